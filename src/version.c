/*
 * Version reporting. The build generates versions.h with the versions of
 * the library sources it compiled against; the run-time calls prove the
 * libraries are really linked in and say what they report themselves.
 * libcap has no version call, so the number of capabilities the kernel
 * knows (asked through libcap) is shown beside its build version.
 */
#include "version.h"

#include <nettle/version.h>
#include <sys/capability.h>
#include <yaml.h>

#include "versions.h"

#ifndef CLEANROOM_VERSION
#define CLEANROOM_VERSION "0.1.0-dev"
#endif

int version_text(struct buf *out)
{
	return buf_printf(out,
			  "cleanroom %s\n"
			  "libyaml %s (runtime %s)\n"
			  "libcap %s (kernel capabilities: %u)\n"
			  "nettle %s (runtime %d.%d)\n",
			  CLEANROOM_VERSION, CLEANROOM_LIBYAML_VERSION,
			  yaml_get_version_string(), CLEANROOM_LIBCAP_VERSION,
			  (unsigned)cap_max_bits(), CLEANROOM_NETTLE_VERSION,
			  nettle_version_major(), nettle_version_minor());
}
