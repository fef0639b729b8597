/*
 * webtypes.h: the types browsers need for a web build's files, the last
 * extension deciding, case ignored, and a safe default.
 */
#include "tap.h"
#include "webtypes.h"

TAP_SUITE(webtypes)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{"assets/app-3f2a.js", "text/javascript; charset=utf-8"},
		{"app.mjs", "text/javascript; charset=utf-8"},
		{"a/b/site.CSS", "text/css; charset=utf-8"},
		{"app.css.map", "application/json"},
		{"manifest.json", "application/json"},
		{"logo.svg", "image/svg+xml"},
		{"x.png", "image/png"},
		{"x.jpg", "image/jpeg"},
		{"x.webp", "image/webp"},
		{"x.avif", "image/avif"},
		{"x.gif", "image/gif"},
		{"favicon.ico", "image/vnd.microsoft.icon"},
		{"f.woff2", "font/woff2"},
		{"f.woff", "font/woff"},
		{"f.ttf", "font/ttf"},
		{"f.otf", "font/otf"},
		{"m.wasm", "application/wasm"},
		{"robots.txt", "text/plain; charset=utf-8"},
		{"index.html", "text/html; charset=utf-8"},
		{"sitemap.xml", "application/xml"},
		{"site.webmanifest", "application/manifest+json"},
		{"app.js.gz", "application/octet-stream"},
		{"README", "application/octet-stream"},
		{".js", "application/octet-stream"},
		{"dir.js/file", "application/octet-stream"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		T_STR(webtypes_for(cases[i].name), cases[i].want,
		      cases[i].name);
}
