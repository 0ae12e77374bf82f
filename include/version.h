/*
 * version.h: the version of gtfs2pgsql and pgsql2gtfs, the one place it is
 * written; the Makefile reads it for "make deb", and debian/rules checks
 * that debian/changelog gives the same.
 */
#ifndef VERSION_H
#define VERSION_H

#define GTFS2PGSQL_VERSION "0.1.0"

#endif
