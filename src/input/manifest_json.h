/*
 * The JSON reader the manifest checks use (manifest_json.c): one JSON text
 * parsed with libyaml into a small tree of nodes in one array, every text
 * decoded into one arena. It knows nothing of manifests, so the dispatcher,
 * the format modules and the fuzz target all read JSON through it alone.
 * Pure: no I/O, no printing.
 *
 * Ownership: mf_json_parse fills a caller-owned struct mf_json, which owns
 * its nodes and texts; mf_json_free releases them (also after a failed
 * parse). Every node pointer and text an accessor returns is borrowed from
 * the document and stays valid until mf_json_free. struct mf_keys owns
 * only its array: its entries borrow from the document, so it must be
 * freed (mf_keys_free) no later than the document.
 */
#ifndef CLEANROOM_MANIFEST_JSON_H
#define CLEANROOM_MANIFEST_JSON_H

#include <stddef.h>

#include "buf.h"

enum mf_jtype { MJ_NULL, MJ_BOOL, MJ_NUM, MJ_STR, MJ_OBJ, MJ_ARR };

/* A node of a parsed document. Texts live in the document's arena; use
 * mf_json_text and mf_json_key. Index 0 is the root, so 0 also means
 * "none" for first and next. */
struct mf_jnode {
	enum mf_jtype type;
	unsigned line;	    /* 1-based line of the value */
	size_t key, klen;   /* object members: the name, decoded */
	size_t text, len;   /* strings: decoded; other scalars: as written */
	size_t first, next; /* first child, next sibling */
	size_t n;	    /* number of children */
};

struct mf_json {
	struct mf_jnode *v;
	size_t n, cap;
	struct buf arena; /* NUL-terminated texts */
};

/*
 * Parses JSON text. libyaml reads JSON as YAML 1.2 flow; a pass before it
 * refuses what YAML accepts and JSON does not (comments, anchors, tags,
 * single quotes, bare words, trailing commas, raw control characters in
 * strings) and joins \uD8xx\uDCxx surrogate pairs, which libyaml 0.2.5
 * rejects. At most 64 levels deep and 2^20 values. Returns 0; or -1 with
 * errno EINVAL and msg, line and col (1-based) filled for text that is not
 * one JSON object or array within those bounds, or ENOMEM. buf is only
 * read during the call; j owns copies of every text. On failure j holds
 * nothing to free (mf_json_free on it is harmless).
 */
int mf_json_parse(const char *buf, size_t len, struct mf_json *j, char *msg,
		  size_t msgsize, unsigned *line, unsigned *col);
/* Releases the nodes and texts of j; every pointer into it dies. */
void mf_json_free(struct mf_json *j);

/* A node's text (strings: decoded; other scalars: as written) and an
 * object member's name, NUL-terminated (a string may also hold NULs: use
 * n->len and n->klen). Borrowed from j. */
const char *mf_json_text(const struct mf_json *j, const struct mf_jnode *n);
const char *mf_json_key(const struct mf_json *j, const struct mf_jnode *n);
/* The first child of n and the next sibling, or NULL. Borrowed from j. */
const struct mf_jnode *mf_json_first(const struct mf_json *j,
				     const struct mf_jnode *n);
const struct mf_jnode *mf_json_next(const struct mf_json *j,
				    const struct mf_jnode *n);
/* The last member of object obj named key (JSON parsers keep the last of
 * duplicates), or NULL. Linear; see mf_keys for many lookups. Borrowed
 * from j. */
const struct mf_jnode *mf_json_get(const struct mf_json *j,
				   const struct mf_jnode *obj, const char *key);
/* A string member's text (and its length in *len when len is not NULL),
 * or NULL when absent or not a string. Borrowed from j. */
const char *mf_json_getstr(const struct mf_json *j, const struct mf_jnode *obj,
			   const char *key, size_t *len);

/* The members of one object sorted by name, for many lookups. The keys
 * and nodes are borrowed from the document. */
struct mf_key {
	const char *key;
	size_t len;
	const struct mf_jnode *node;
};
struct mf_keys {
	struct mf_key *v;
	size_t n;
};
/* Fills a caller-owned k; 0, or -1 (ENOMEM, k then holds nothing). */
int mf_keys_init(struct mf_keys *k, const struct mf_json *j,
		 const struct mf_jnode *obj);
/* The last member named key (len bytes), or NULL. Borrowed from the
 * document. */
const struct mf_jnode *mf_keys_find(const struct mf_keys *k, const char *key,
				    size_t len);
/* Releases k's array (not the document). */
void mf_keys_free(struct mf_keys *k);

#endif
