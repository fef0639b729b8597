/*
 * Which CA bundle verifies the object store's certificate: --ca-file (or
 * the spec's publish.ca_file), else SSL_CERT_FILE from the caller's
 * environment, else the first regular file of the usual system paths
 * (Debian and Ubuntu, Alpine, RHEL and Fedora, SUSE). Nothing is built
 * in: a slim image without a bundle gets an error naming the package to
 * install. Nothing here prints.
 */
#ifndef CLEANROOM_CABUNDLE_H
#define CLEANROOM_CABUNDLE_H

#include <stddef.h>

#include "err.h"

/* The system paths in the order they are tried; NULL-terminated, static. */
extern const char *const cabundle_system_paths[];

/* Chooses the bundle. given is --ca-file or NULL; ssl_cert_file is the
 * caller's SSL_CERT_FILE or NULL; paths is the list to try (tests pass
 * their own; NULL means cabundle_system_paths). Copies the chosen path
 * into out (size bytes) and its origin ("--ca-file", "SSL_CERT_FILE",
 * "system") into *from. Returns 0, or -1 with e filled: ERR_CONFIG when
 * the file named by --ca-file or SSL_CERT_FILE is not a readable regular
 * file, or when no system path has one (the hint names ca-certificates). */
int cabundle_find(const char *given, const char *ssl_cert_file,
		  const char *const *paths, char *out, size_t size,
		  const char **from, struct err *e);

#endif
