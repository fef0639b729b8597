/*
 * libFuzzer target for the manifest checks: the input's first byte picks
 * the format, the rest is written as that format's manifest into a scratch
 * output root holding a few files, and manifest_check runs over it. The
 * JSON reader alone is also run on the input. Invariants: a failure is
 * only an internal one (ERR_SYSTEM); every finding has a check name and a
 * message; everything is freed (ASan's leak check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "manifest_json.h"

static char root[64];

static void put(const char *rel, const char *data, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	f = fopen(path, "wb");
	if (f == NULL)
		abort();
	if (len > 0 && fwrite(data, 1, len, f) != len)
		abort();
	fclose(f);
}

/* The scratch root goes when the fuzzer exits. */
static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (root[0] != '\0' && system(cmd) != 0)
		return;
}

static void setup(void)
{
	char path[128];

	if (root[0] != '\0')
		return;
	snprintf(root, sizeof root, "/tmp/cleanroom-fuzz-manifest-XXXXXX");
	if (mkdtemp(root) == NULL)
		abort();
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/.vite", root);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/assets", root);
	mkdir(path, 0755);
	put("assets/app-0123456789abcdef0123.js", "x()\n", 4);
	put("assets/site.0123456789ab.css", "a{}\n", 4);
	put("logo-D4Ymtcdf.png", "png", 3);
}

static const char *const manifest_names[] = {
	".sprockets-manifest-0123456789abcdef0123456789abcdef.json",
	".manifest.json",
	"staticfiles.json",
	".vite/manifest.json",
	"manifest.json",
};
static const enum manifest_kind kinds[] = {
	MF_SPROCKETS, MF_PROPSHAFT, MF_DJANGO, MF_VITE, MF_WEBPACK,
};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const struct manifest_file files_base[] = {
		{"assets/app-0123456789abcdef0123.js", 4, NULL},
		{"assets/site.0123456789ab.css", 4, NULL},
		{"logo-D4Ymtcdf.png", 3, NULL},
	};
	struct manifest_file files[4];
	struct findings f = {0};
	struct manifest_result r;
	struct mf_json j;
	struct err e = {0};
	char msg[256];
	unsigned line, col;
	size_t k;

	if (size < 1)
		return 0;
	setup();
	k = data[0] % 5;
	/* The JSON reader on its own. */
	if (mf_json_parse((const char *)data + 1, size - 1, &j, msg, sizeof msg,
			  &line, &col) == 0)
		mf_json_free(&j);
	/* The format's checker over a root holding the input as manifest. */
	put(manifest_names[k], (const char *)data + 1, size - 1);
	memcpy(files, files_base, sizeof files_base);
	files[3] = (struct manifest_file){manifest_names[k], size - 1, NULL, 0};
	/* manifest_check wants the files sorted by rel. */
	for (size_t a = 0; a < 4; a++)
		for (size_t b = a + 1; b < 4; b++)
			if (strcmp(files[b].rel, files[a].rel) < 0) {
				struct manifest_file t = files[a];

				files[a] = files[b];
				files[b] = t;
			}
	memset(&r, 0, sizeof r);
	if (manifest_check(data[0] & 0x80 ? MF_AUTO : kinds[k], root, files, 4,
			   &f, &r, &e) < 0 &&
	    e.kind != ERR_SYSTEM)
		abort();
	for (size_t i = 0; i < f.n; i++)
		if (f.v[i].check == NULL || f.v[i].msg == NULL ||
		    f.v[i].msg[0] == '\0')
			abort();
	manifest_result_free(&r);
	findings_free(&f);
	{
		char path[256];

		snprintf(path, sizeof path, "%s/%s", root, manifest_names[k]);
		unlink(path);
	}
	return 0;
}
