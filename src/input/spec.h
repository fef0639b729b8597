/*
 * The spec (`cleanroom.yml`, DESIGN.md "The spec") as plain structs, loaded
 * with libyaml. Every key is optional: a key that is absent is marked unset
 * (`set == 0`, or the UNSET value of its enum, or -1 for numbers) so that
 * presets and command-line flags can fill or override it later
 * (config.h). The loader never prints and never exits; errors carry the
 * file, line and column of the offending node (libyaml's marks, 1-based).
 *
 * Ownership: spec_load/spec_parse fill a caller-owned struct spec whose
 * strings the spec owns; spec_free releases them. Every string value
 * remembers where it was written (line, col; 0 when it came from a flag or
 * a preset) so later stages can point at it.
 */
#ifndef CLEANROOM_SPEC_H
#define CLEANROOM_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

enum framework {
	FW_UNSET = 0,
	FW_NONE,
	FW_RAILS,
	FW_DJANGO,
	FW_VITE,
	FW_WEBPACK,
};

enum manifest_kind {
	MF_UNSET = 0,
	MF_AUTO,
	MF_NONE,
	MF_SPROCKETS,
	MF_PROPSHAFT,
	MF_DJANGO,
	MF_VITE,
	MF_WEBPACK,
};

enum network { NET_UNSET = 0, NET_DENY, NET_ALLOW };
enum sourcemaps { SM_UNSET = 0, SM_ALLOW, SM_FORBID };

struct spec_str {
	char *s;
	unsigned line, col; /* where it was written; 0 when not from a file */
};

/* A path, or `false` for none (outputs.provenance). */
struct spec_path_opt {
	struct spec_str path; /* when given */
	int off;	      /* -1 unset; 1: `false`; 0: path given */
};

struct spec_list {
	struct spec_str *v;
	size_t n, cap;
	int set; /* the key was given (possibly as an empty list) */
};

struct spec_kv {
	struct spec_str name;
	struct spec_str value;
};

struct spec_map {
	struct spec_kv *v;
	size_t n, cap;
	int set;
};

/* Resource limits; -1 when unset. */
struct spec_limits {
	int64_t cpu_ms; /* cpu: a duration */
	int64_t memory; /* bytes */
	int64_t files;	/* open files */
	int64_t processes;
	int64_t file_size; /* bytes */
};

struct spec {
	char *path; /* the spec file, or NULL when none */
	enum framework framework;
	struct spec_list command; /* one entry when given as a string */
	int command_shell;	  /* 1: string form, run under /bin/sh -c */
	struct spec_str workdir;

	struct {
		struct spec_list files, inherit, pass, require, secret, public;
		struct spec_map set;
	} env;

	struct {
		enum network network;
		int unix_sockets; /* -1 when unset, else 0/1 */
		struct spec_list writable;
		struct spec_str user;
		int64_t timeout_ms; /* -1 when unset */
		struct spec_limits limits;
		int strict; /* -1 when unset, else 0/1 */
		/* The system roots of the ctime sweep (when the build keeps
		 * uid 0), replacing ctime_default_roots when set; relative
		 * ones are relative to the workdir, which is always swept. */
		struct spec_list ctime_roots;
	} sandbox;

	struct {
		struct spec_list roots; /* `root:` string or list */
		enum manifest_kind manifest;
		enum sourcemaps sourcemaps;
		struct spec_list require, forbid;
		int64_t min_files;	   /* -1 when unset */
		int64_t max_bytes;	   /* -1 when unset */
		int64_t max_files;	   /* -1 when unset */
		int64_t verify_timeout_ms; /* -1 when unset */
		struct spec_str lock;
		struct spec_path_opt provenance; /* provenance.h */
	} outputs;

	struct spec_list inputs;

	/* publish: where and how `cleanroom publish` uploads the proven set. */
	struct {
		struct spec_str to; /* s3://BUCKET/PREFIX */
		struct spec_str
			endpoint; /* https://host[:port]; AWS when unset */
		struct spec_str region;	    /* default us-east-1 */
		struct spec_str addressing; /* auto, path or virtual */
		struct spec_str ca_file;
		struct spec_str records; /* key prefix of release records */
		struct spec_str
			cache_fingerprinted; /* cache_control.fingerprinted */
		struct spec_str cache_other; /* cache_control.other */
		int64_t connections;	     /* -1 when unset */
		int64_t keep_releases;	     /* -1 when unset */
		int64_t older_than_ms;	     /* prune: -1 when unset */
		int64_t timeout_ms; /* the whole publish: -1 when unset */
		/* none, gzip or br: the plain key gets that sibling's bytes */
		struct spec_str content_encoding;
	} publish;
};

/* An empty spec: everything unset. */
void spec_init(struct spec *s);
/* Frees every string and list s owns and leaves it spec_init'ed, so a
 * second spec_free is harmless. */
void spec_free(struct spec *s);

/* Parses buf (len bytes) as the spec named `name` into s (which must be
 * spec_init'ed; it then owns copies of every string, and buf and name are
 * only read during the call). Returns 0, or -1 with e filled: ERR_CONFIG with
 * name:line:col for every problem in the text (syntax, unknown key,
 * duplicate key, wrong type, bad duration/size/enum value), ERR_SYSTEM on
 * allocation failure. */
int spec_parse(const char *name, const char *buf, size_t len, struct spec *s,
	       struct err *e);

/* Reads the file at path and parses it. A missing file is ERR_CONFIG. */
int spec_load(const char *path, struct spec *s, struct err *e);

/* spec_load, keeping the file's bytes in the caller's text (appended;
 * on failure text may hold part of the file). */
int spec_load_text(const char *path, struct spec *s, struct buf *text,
		   struct err *e);

/* Names for messages and for `init`, static strings; NULL for UNSET. */
/* Calls fn with the dotted path of every leaf key of the schema
 * ("framework", "env.pass", "sandbox.limits.cpu"), in schema order, until
 * fn returns non-zero; returns that value or 0. */
int spec_key_each(int (*fn)(const char *path, void *arg), void *arg);

const char *spec_framework_name(enum framework f);
const char *spec_manifest_name(enum manifest_kind m);
/* Parses a name; returns 0, or -1 when unknown. */
int spec_framework_parse(const char *name, enum framework *out);
int spec_manifest_parse(const char *name, enum manifest_kind *out);

/* List helpers shared with config.c: append a copy of s (line/col may be
 * 0). Return 0 or -1 (ENOMEM). */
int spec_list_add(struct spec_list *l, const char *s, unsigned line,
		  unsigned col);
int spec_map_put(struct spec_map *m, const char *name, const char *value,
		 unsigned line, unsigned col);
/* Releases a map's entries and array and leaves it empty, so a second
 * call is harmless (spec_free does this for env.set). */
void spec_map_free(struct spec_map *m);
/* Releases a list's entries and array and leaves it empty and unset. */
void spec_list_free(struct spec_list *l);
/* Replaces dst's string by a copy of s (NULL clears it: a flag may remove
 * what a preset set). 0 or -1 (ENOMEM). */
int spec_str_set(struct spec_str *dst, const char *s, unsigned line,
		 unsigned col);

/* Appends every key of the schema, one dotted path a line in schema
 * order (a section's own line before its keys: "sandbox",
 * "sandbox.limits", "sandbox.limits.cpu"), for the man page's check and
 * generated documentation. Returns 0 or -1 (ENOMEM). */
int spec_key_paths(struct buf *out);

#endif
