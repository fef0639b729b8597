/*
 * Framework manifests against the output files (DESIGN.md "Verification",
 * checks 2 and 3). A build tool's manifest says which files it wrote, with
 * sizes, integrity values and fingerprinted names; manifest_check reads the
 * manifest of one output root and holds it against the files a walk of
 * that root found: every entry must name an existing file inside the root,
 * sizes and integrity values must match the bytes, and wherever the
 * framework's naming scheme allows, the fingerprint in a file name is
 * recomputed from the bytes. Everything found about the outputs is a
 * finding (findings.h); only internal failures (allocation, an I/O error
 * that is not about the outputs) return -1. The module never prints and
 * never exits.
 *
 * The checker takes a minimal view of the walked tree rather than struct
 * tree itself, so that it can be tested (and fuzzed) without the walker:
 * the caller passes, for one output root, an array of struct manifest_file
 * sorted bytewise by rel. With tree.h: for each tree_file whose root is
 * this root, { tf->rel, tf->size, tf->hashed && !tf->error ? tf->sha256 :
 * NULL }, leaving out the files cleanroom itself writes into the root (the
 * lock and the stamp), which no manifest can know. Files are read here only
 * when a digest other than the view's SHA-256 is needed: files whose names
 * carry a fingerprint, and integrity values in SHA-384 or SHA-512.
 *
 * Formats, as the frameworks write them (each manifest_<format>.c names
 * the framework source it follows):
 *   sprockets  .sprockets-manifest-<32 hex>.json (legacy manifest-<32
 *              hex>.json): files{name: {logical_path, mtime, size, digest,
 *              integrity}}, assets{logical: name}
 *   propshaft  .manifest.json: {logical: digested} (0.x) or {logical:
 *              {digested_path, integrity}} (1.x)
 *   django     staticfiles.json: {paths: {name: hashed}, version, hash}
 *   vite       .vite/manifest.json (Vite 5+) or manifest.json: {key: {file,
 *              src, name, isEntry, css[], assets[], imports[],
 *              dynamicImports[]}}
 *   webpack    manifest.json (webpack-manifest-plugin: {name: publicPath +
 *              file}) and assets-manifest.json (webpack-assets-manifest:
 *              {name: file or {src, integrity}}, entrypoints{})
 *
 * This header is the dispatcher's whole contract with verification; the
 * view and the result it fills are declared in manifest_types.h. Inside,
 * the dispatcher (manifest.c) goes through a table of these formats, each
 * checked by its manifest_<format>.c (manifest_formats.h), and both build
 * on the shared helpers (manifest_util.h), the JSON reader
 * (manifest_json.h) and the digests (manifest_hash.h); no format includes
 * this header.
 *
 * Ownership: manifest_check borrows root and files for the call, appends
 * to the caller's findings (which own their texts) and fills the caller's
 * result, released with manifest_result_free.
 */
#ifndef CLEANROOM_MANIFEST_H
#define CLEANROOM_MANIFEST_H

#include <stddef.h>

#include "err.h"
#include "findings.h"
#include "manifest_types.h"
#include "spec.h"

/* Manifests larger than this are refused (a finding), never read. */
#define MANIFEST_MAX ((size_t)64 << 20)

/*
 * Checks the manifest of kind `kind` in the output root `root` (a path
 * relative to the workdir, or absolute; findings name files as root/rel)
 * against files[0..nfiles), which must be sorted bytewise by rel.
 *
 *   MF_NONE (or MF_UNSET)  does nothing and returns 0.
 *   MF_AUTO                checks every manifest found in the root, in the
 *                          order sprockets, propshaft, django, vite,
 *                          webpack; finding none is a FIND_INFO.
 *   a named kind           checks that format's manifest; its absence is
 *                          a FIND_ERROR.
 *
 * Findings (check "manifest" unless said otherwise): FIND_ERROR for a
 * missing, unreadable, oversized or invalid manifest, an entry whose file
 * is missing or lies outside the root, a wrong size, integrity or digest,
 * a reference to an entry that does not exist; check "fingerprint":
 * FIND_ERROR for a name whose fingerprint differs from the one recomputed
 * from its bytes, FIND_INFO for names that cannot be recomputed (once per
 * manifest and kind of name, with the count); FIND_WARN for each file no
 * manifest mentions (at most 50, then one with the count; not when a
 * manifest could not be read as a whole), one FIND_WARN on the Sprockets
 * manifest checked when several are in the root, FIND_INFO for the
 * publicPath stripped from webpack values.
 *
 * Returns 0, or -1 with e filled (ERR_SYSTEM) on allocation failure, an
 * I/O error reading a file that exists (EIO and the like), files that are
 * not sorted, or a kind that is none of the above. Findings added before
 * a failure stay in f.
 */
int manifest_check(enum manifest_kind kind, const char *root,
		   const struct manifest_file *files, size_t nfiles,
		   struct findings *f, struct manifest_result *r,
		   struct err *e);

/* Releases what r owns (manifest_types.h) and zeroes it. */
void manifest_result_free(struct manifest_result *r);

#endif
