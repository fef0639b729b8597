/*
 * Version reporting. The build generates versions.h with the versions of
 * the library sources it compiled against; the run-time calls prove the
 * libraries are really linked in and say what they report themselves.
 * libcap has no version call, so the number of capabilities the kernel
 * knows (asked through libcap) is shown beside its build version. zlib,
 * brotli and zstd decompress the outputs' compressed siblings; libcurl
 * and its TLS library (OpenSSL) carry `publish`.
 */
#include "version.h"

#include <brotli/decode.h>
#include <curl/curl.h>
#include <nettle/version.h>
#include <sys/capability.h>
#include <yaml.h>
#include <zlib.h>
#include <zstd.h>

#include "versions.h"

#ifndef CLEANROOM_VERSION
#define CLEANROOM_VERSION "0.1.0-dev"
#endif

const char *version_cleanroom(void)
{
	return CLEANROOM_VERSION;
}

int version_text(struct buf *out)
{
	/* BrotliDecoderVersion packs major << 24 | minor << 12 | patch. */
	uint32_t br = BrotliDecoderVersion();
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	return buf_printf(out,
			  "cleanroom %s\n"
			  "libyaml %s (runtime %s)\n"
			  "libcap %s (kernel capabilities: %u)\n"
			  "nettle %s (runtime %d.%d)\n"
			  "zlib %s (runtime %s)\n"
			  "brotli %s (runtime %u.%u.%u)\n"
			  "zstd %s (runtime %s)\n"
			  "curl %s (runtime %s, %s)\n",
			  CLEANROOM_VERSION, CLEANROOM_LIBYAML_VERSION,
			  yaml_get_version_string(), CLEANROOM_LIBCAP_VERSION,
			  (unsigned)cap_max_bits(), CLEANROOM_NETTLE_VERSION,
			  nettle_version_major(), nettle_version_minor(),
			  CLEANROOM_ZLIB_VERSION, zlibVersion(),
			  CLEANROOM_BROTLI_VERSION, (unsigned)(br >> 24),
			  (unsigned)(br >> 12 & 0xfff), (unsigned)(br & 0xfff),
			  CLEANROOM_ZSTD_VERSION, ZSTD_versionString(),
			  CLEANROOM_CURL_VERSION, cv->version,
			  cv->ssl_version ? cv->ssl_version : "no TLS");
}
