/*
 * The data a manifest check takes and gives: the view of one output root's
 * walked files and the result besides the findings. Types only. They sit
 * below the dispatcher (manifest.h, which its callers include) and the
 * helper module the formats use (manifest_util.h), so that the format
 * modules can fill the result without including the dispatcher.
 *
 * Ownership: the caller of manifest_check owns the view (every pointer in a
 * struct manifest_file is borrowed for the duration of the call) and the
 * struct manifest_result, whose allocations are released by
 * manifest_result_free (manifest.h).
 */
#ifndef CLEANROOM_MANIFEST_TYPES_H
#define CLEANROOM_MANIFEST_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"

/* One file of the output root, as the walk found it. */
struct manifest_file {
	const char *rel;	     /* relative to the root, '/'-separated */
	uint64_t size;		     /* bytes */
	const unsigned char *sha256; /* 32 bytes, or NULL: then computed here
					when an integrity value needs it */
	int public_copy;	     /* byte for byte the file public/REL of the
					workdir: copied verbatim by the build tool
					(Vite's publicDir), which lists it nowhere */
};

/* Bits of manifest_result.mentioned. */
enum {
	MF_ENTRY = 1,	  /* named by a manifest entry */
	MF_MANIFEST = 2,  /* is a manifest that was checked */
	MF_COMPANION = 4, /* X.gz, X.br, X.map or X.LICENSE.txt of an X
			     named by an entry: written beside it by the
			     framework or a compression step */
	MF_PUBLIC = 8,	  /* a verbatim copy of public/ (public_copy) */
};

/* A manifest file that was checked. */
struct manifest_seen {
	enum manifest_kind kind;
	char *path;	   /* relative to the workdir: root/rel */
	size_t entries;	   /* top-level entries (files, paths, keys) */
	char *public_path; /* webpack: the prefix stripped from every value
			      to find its file ("/static/"), "" when none;
			      NULL for the other formats */
};

/*
 * What manifest_check found besides the findings. Owned by the caller,
 * zeroed before the call, released with manifest_result_free; it owns
 * v[i].path, v[i].public_path, v and mentioned.
 */
struct manifest_result {
	struct manifest_seen *v; /* the manifests checked, in order */
	size_t n, cap;
	size_t entries;		  /* sum of v[i].entries */
	size_t fp_recomputed;	  /* names whose fingerprint was recomputed from
				     the bytes and matched */
	size_t fp_mismatched;	  /* recomputed and different: each is also a
				     FIND_ERROR of check "fingerprint" */
	size_t fp_unverifiable;	  /* names that carry a fingerprint which cannot
				     be recomputed from the bytes (Vite, a
				     non-default version or hash function) */
	size_t unmentioned;	  /* files no manifest mentions (FIND_WARN) */
	size_t public_copies;	  /* unmentioned, but verbatim copies of
				     public/ (FIND_INFO) */
	unsigned char *mentioned; /* nfiles flags (MF_ENTRY, ...), parallel to
				     the files given; NULL when no manifest was
				     checked */
	size_t nfiles;
};

#endif
