/*
 * The CA bundle's choice: an explicit file must exist (a typo is not
 * silently replaced by the system's bundle); the system paths are tried
 * in order.
 */
#include "cabundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const cabundle_system_paths[] = {
	"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu */
	"/etc/ssl/cert.pem",		      /* Alpine */
	"/etc/pki/tls/certs/ca-bundle.crt",   /* RHEL, Fedora */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL */
	"/etc/ssl/ca-bundle.pem",			     /* SUSE */
	NULL,
};

/* 0 when path is a regular file this process can open, else an errno. */
static int usable(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	close(fd);
	if (!S_ISREG(st.st_mode))
		return EINVAL;
	if (st.st_size == 0)
		return ENODATA;
	return 0;
}

static int explicit(const char *path, const char *origin, char *out,
		    size_t size, const char **from, struct err *e)
{
	int rc = usable(path);

	if (rc != 0) {
		err_set(e, ERR_CONFIG, NULL, 0, 0, "%s %s: %s", origin, path,
			rc == EINVAL	? "not a regular file"
			: rc == ENODATA ? "empty"
					: strerror(rc));
		err_hint(e, "name a PEM file of CA certificates");
		return -1;
	}
	(void)snprintf(out, size, "%s", path);
	*from = origin;
	return 0;
}

int cabundle_find(const char *given, const char *ssl_cert_file,
		  const char *const *paths, char *out, size_t size,
		  const char **from, struct err *e)
{
	if (given != NULL && given[0] != '\0')
		return explicit(given, "--ca-file", out, size, from, e);
	if (ssl_cert_file != NULL && ssl_cert_file[0] != '\0')
		return explicit(ssl_cert_file, "SSL_CERT_FILE", out, size, from,
				e);
	if (paths == NULL)
		paths = cabundle_system_paths;
	for (size_t i = 0; paths[i] != NULL; i++) {
		if (usable(paths[i]) == 0) {
			(void)snprintf(out, size, "%s", paths[i]);
			*from = "system";
			return 0;
		}
	}
	size_t n = 0;

	while (paths[n] != NULL)
		n++;
	err_set(e, ERR_CONFIG, NULL, 0, 0,
		"no CA certificates to verify the object store's TLS "
		"certificate (looked in %s and %zu other system paths)",
		n > 0 ? paths[0] : "no path", n > 0 ? n - 1 : 0);
	err_hint(e, "install the ca-certificates package (Debian, Ubuntu: "
		    "apt-get install ca-certificates; Alpine: apk add "
		    "ca-certificates), or give --ca-file or SSL_CERT_FILE");
	return -1;
}
