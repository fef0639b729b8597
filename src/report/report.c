/*
 * The summary and the JSON report. Both walk the same checks in the same
 * order, so what the human reads and what a tool parses cannot disagree.
 * Values of variables are never written here, only names and sources.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "envfmt.h"
#include "io.h"
#include "msg.h"

static const char *const checks[] = {
	"outputs", "manifest", "fingerprint", "secrets", "siblings",
	"scratch", "writes",   "metadata",    "lock",	 "provenance",
};
#define NCHECKS (sizeof checks / sizeof checks[0])

static const char *level_name(enum finding_level l)
{
	return l == FIND_ERROR ? "error" : l == FIND_WARN ? "warning" : "info";
}

/* A check of contents that did not run (verify_result.unchecked). */
static int skipped(const struct verify_result *v, const char *c)
{
	return v->unchecked != NULL && strcmp(c, "outputs") != 0 &&
	       strcmp(c, "writes") != 0 && strcmp(c, "scratch") != 0 &&
	       strcmp(c, "metadata") != 0;
}

/* Whether the provenance check had nothing to do: no statement to
 * check or none written. */
static int no_provenance(const struct report_info *ri)
{
	const struct verify_result *v = ri->verify;

	return !ri->provenance_written && !v->provenance.checked;
}

/* "ok", "failed", "warnings" or "skipped" for one check. */
static const char *check_state(const struct report_info *ri, const char *c,
			       size_t *nfail)
{
	const struct verify_result *v = ri->verify;
	int strict = ri->strict;
	size_t errors = 0, warns = 0;

	for (size_t i = 0; i < v->findings.n; i++) {
		const struct finding *f = &v->findings.v[i];

		if (strcmp(f->check, c) != 0)
			continue;
		errors += f->level == FIND_ERROR;
		warns += f->level == FIND_WARN;
	}
	*nfail = errors + (strict ? warns : 0);
	if (*nfail > 0)
		return "failed";
	if (skipped(v, c))
		return "skipped";
	if (strcmp(c, "provenance") == 0 && no_provenance(ri))
		return "skipped";
	if (strcmp(c, "metadata") == 0 && !v->metadata_swept)
		return "skipped";
	return warns > 0 ? "warnings" : "ok";
}

/* A name a build chose, escaped for a terminal (msg.h). */
static int add_name(struct buf *out, const char *s)
{
	return msg_escape(out, s, strlen(s), 0);
}

static int check_note(const struct report_info *ri, const char *c,
		      struct buf *out)
{
	const struct verify_result *v = ri->verify;

	if (skipped(v, c))
		return buf_printf(out, "not checked: %s", v->unchecked);
	if (strcmp(c, "manifest") == 0) {
		size_t seen = 0;

		if (v->nmanifests == 0)
			return buf_adds(out, "not checked (manifest: none)");
		for (size_t i = 0; i < v->nmanifests; i++)
			seen += v->manifests[i].n;
		if (seen == 0)
			return buf_adds(out, "no framework manifest found");
		for (size_t i = 0; i < v->nmanifests; i++)
			for (size_t k = 0; k < v->manifests[i].n; k++)
				if (buf_adds(out, k || i ? ", " : "") < 0 ||
				    add_name(out, v->manifests[i].v[k].path) <
					    0 ||
				    buf_printf(out, " (%zu entries)",
					       v->manifests[i].v[k].entries) <
					    0)
					return -1;
		return 0;
	}
	if (strcmp(c, "fingerprint") == 0) {
		size_t ok = 0, bad = 0, unv = 0;

		for (size_t i = 0; i < v->nmanifests; i++) {
			ok += v->manifests[i].fp_recomputed;
			bad += v->manifests[i].fp_mismatched;
			unv += v->manifests[i].fp_unverifiable;
		}
		return buf_printf(out,
				  "%zu recomputed from the bytes, %zu "
				  "mismatched, %zu cannot be recomputed",
				  ok, bad, unv);
	}
	if (strcmp(c, "siblings") == 0) {
		const struct sibling_stats *st = &v->siblings;
		const char *sep = " (";

		if (st->checked == 0)
			return buf_adds(out, "no compressed sibling");
		if (buf_printf(out, "%zu checked", st->checked) < 0)
			return -1;
		for (int f = SIBLING_GZIP; f < SIBLING_NFORMATS; f++) {
			if (st->by_format[f] == 0)
				continue;
			if (buf_printf(out, "%s%zu %s", sep, st->by_format[f],
				       sibling_format_name(
					       (enum sibling_format)f)) < 0)
				return -1;
			sep = ", ";
		}
		if (buf_printf(out, "), %llu bytes decompressed",
			       (unsigned long long)st->out_bytes) < 0)
			return -1;
		return st->alone == 0
			       ? 0
			       : buf_printf(out, ", %zu without a plain file",
					    st->alone);
	}
	if (strcmp(c, "scratch") == 0)
		return v->scratch_roots == 0
			       ? buf_adds(out, "no writable dir outside the "
					       "outputs")
			       : buf_printf(
					 out,
					 "%zu files, %llu bytes in %zu "
					 "writable dir%s: modes and secrets",
					 v->scratch_files,
					 (unsigned long long)v->scratch_bytes,
					 v->scratch_roots,
					 v->scratch_roots == 1 ? "" : "s");
	if (strcmp(c, "writes") == 0)
		return buf_adds(out,
				v->writes_outside > 0
					? "changed outside the writable set"
				: ri->built ? "nothing outside the writable set"
					    : "not applicable without a build");
	if (strcmp(c, "metadata") == 0)
		return !v->metadata_swept
			       ? buf_adds(out,
					  v->metadata_off
						  ? v->metadata_off
						  : "not applicable without "
						    "a build")
			       : buf_printf(out,
					    "%zu inodes swept outside the "
					    "writable set in %.0f ms, %zu "
					    "changed during the build",
					    v->metadata_inodes, v->metadata_ms,
					    v->metadata_changed);
	if (strcmp(c, "lock") == 0)
		return (v->lock_existed
				? buf_printf(out,
					     "%zu added, %zu removed, %zu "
					     "changed since ",
					     v->lock_added, v->lock_removed,
					     v->lock_changed)
				: buf_adds(out, "no previous lock at ")) < 0
			       ? -1
			       : add_name(out, ri->lock_path);
	if (strcmp(c, "provenance") == 0) {
		const struct provenance_result *p = &v->provenance;

		if (ri->provenance_path == NULL)
			return buf_adds(out, "off (provenance: false)");
		if (ri->provenance_written)
			return buf_printf(out, "%zu subjects written to ",
					  v->lock.n) < 0
				       ? -1
				       : add_name(out, ri->provenance_path);
		if (p->checked && p->ndiffering == 0)
			return buf_printf(out, "%zu subjects match the lock",
					  p->nsubjects);
		if (p->checked)
			return buf_printf(out,
					  "%zu subjects, %zu differences from "
					  "the lock",
					  p->nsubjects, p->ndiffering);
		if (p->existed)
			return buf_adds(out, "cannot be checked");
		if (ri->built)
			return buf_adds(out, "not written");
		return buf_adds(out, "no statement at ") < 0
			       ? -1
			       : add_name(out, ri->provenance_path);
	}
	if (strcmp(c, "secrets") == 0) {
		size_t hits = 0;

		/* In contents, in compressed siblings, in names. */
		for (size_t i = 0; i < v->findings.n; i++)
			hits += v->findings.v[i].level == FIND_ERROR &&
				strcmp(v->findings.v[i].check, c) == 0;
		if (buf_printf(out, "%zu matches", hits) < 0)
			return -1;
		return v->unsearched == NULL
			       ? 0
			       : buf_printf(out,
					    "; not searched: too short: %s",
					    v->unsearched);
	}
	/* outputs: the set's apparent size, as max_bytes counts it. */
	if (buf_printf(out, "%zu files, %llu bytes", v->tree.nfiles,
		       (unsigned long long)v->tree.walk_bytes) < 0)
		return -1;
	if (v->tree.aliases > 0 &&
	    buf_printf(out, " (%zu read once under another name)",
		       v->tree.aliases) < 0)
		return -1;
	if (v->tree.nlinks > 0 &&
	    buf_printf(out, ", %zu directory link%s", v->tree.nlinks,
		       v->tree.nlinks == 1 ? "" : "s") < 0)
		return -1;
	return 0;
}

int report_human(const struct report_info *ri, struct buf *out)
{
	const struct verify_result *v = ri->verify;
	double mb = (double)v->tree.bytes / 1e6;
	double s = v->tree.hash_ms / 1e3;

	if (buf_printf(out,
		       "cleanroom: verify: %zu files, %.1f MB in %.2f s "
		       "(hash+scan %.0f MB/s, %u threads)\n",
		       v->tree.nfiles, mb, v->ms / 1e3, s > 0 ? mb / s : 0.0,
		       v->tree.threads) < 0)
		return -1;
	for (size_t i = 0; i < NCHECKS; i++) {
		size_t nfail;
		const char *st = check_state(ri, checks[i], &nfail);

		if (buf_printf(out, "cleanroom:   %-12s %-8s ", checks[i], st) <
			    0 ||
		    check_note(ri, checks[i], out) < 0 ||
		    buf_addc(out, '\n') < 0)
			return -1;
	}
	for (size_t i = 0; i < v->findings.n; i++) {
		const struct finding *f = &v->findings.v[i];

		if (f->level == FIND_INFO && !ri->strict &&
		    strcmp(f->check, "lock") == 0 && v->findings.n > 40)
			continue;
		/* Paths and messages carry names a build chose: escaped, so
		 * that none can end the line and forge the next. */
		if (buf_printf(out, "cleanroom: %s: %s: ", level_name(f->level),
			       f->check) < 0 ||
		    (f->path &&
		     (add_name(out, f->path) < 0 || buf_adds(out, ": ") < 0)) ||
		    add_name(out, f->msg) < 0 || buf_addc(out, '\n') < 0)
			return -1;
	}
	return 0;
}

static int jstr(struct buf *out, const char *s)
{
	if (s == NULL)
		return buf_adds(out, "null");
	return envfmt_json_string(out, s, strlen(s));
}

static int json_env(const struct report_info *ri, struct buf *out)
{
	const struct policy *p = ri->policy;

	if (buf_adds(out, ",\n \"environment\": [") < 0)
		return -1;
	for (size_t i = 0; p != NULL && i < p->n; i++) {
		const struct policy_var *v = &p->v[i];

		if (buf_adds(out, i ? ",\n  {\"name\": " : "\n  {\"name\": ") <
			    0 ||
		    jstr(out, v->name) < 0 ||
		    buf_adds(out, ", \"source\": ") < 0 ||
		    jstr(out, policy_source_name(v->source)) < 0 ||
		    buf_adds(out, ", \"file\": ") < 0 ||
		    jstr(out, v->file) < 0 ||
		    buf_printf(out,
			       ", \"line\": %u, \"secret\": %s, "
			       "\"withheld\": %s}",
			       v->line, v->secret ? "true" : "false",
			       v->withheld ? "true" : "false") < 0)
			return -1;
	}
	return buf_adds(out, "]");
}

static int json_sandbox(const struct report_info *ri, struct buf *out)
{
	const struct sandbox_status *st = ri->sandbox;

	if (st == NULL)
		return buf_adds(out, ",\n \"sandbox\": null");
	if (buf_printf(out, ",\n \"sandbox\": {\"kernel\": ") < 0 ||
	    jstr(out, st->kernel) < 0 ||
	    buf_printf(out, ", \"landlock_abi\": %d, \"layers\": [",
		       st->landlock_abi) < 0)
		return -1;
	for (size_t i = 0; i < st->n; i++) {
		const struct sandbox_layer *l = &st->layer[i];

		if (buf_adds(out, i ? ", {\"name\": " : "{\"name\": ") < 0 ||
		    jstr(out, l->name) < 0 ||
		    buf_adds(out, ", \"state\": ") < 0 ||
		    jstr(out, sandbox_state_text(l->state)) < 0 ||
		    buf_adds(out, ", \"detail\": ") < 0 ||
		    jstr(out, l->detail) < 0 || buf_addc(out, '}') < 0)
			return -1;
	}
	return buf_adds(out, "]}");
}

static int json_checks(const struct report_info *ri, struct buf *out)
{
	const struct verify_result *v = ri->verify;

	if (v == NULL)
		return buf_adds(out, ",\n \"verification\": null");
	if (buf_printf(out,
		       ",\n \"verification\": {\"passed\": %s, \"files\": %zu, "
		       "\"bytes\": %llu, \"bytes_read\": %llu, "
		       "\"read_once\": %zu, \"ms\": %.1f, \"hash_ms\": %.1f, "
		       "\"threads\": %u, \"siblings\": {\"checked\": %zu, "
		       "\"without_plain\": %zu, \"compressed_bytes\": %llu, "
		       "\"decompressed_bytes\": %llu}, "
		       "\"secrets_not_searched\": %zu, \"lock\": ",
		       v->passed ? "true" : "false", v->tree.nfiles,
		       (unsigned long long)v->tree.walk_bytes,
		       (unsigned long long)v->tree.bytes, v->tree.aliases,
		       v->ms, v->tree.hash_ms, v->tree.threads,
		       v->siblings.checked, v->siblings.alone,
		       (unsigned long long)v->siblings.in_bytes,
		       (unsigned long long)v->siblings.out_bytes,
		       v->secrets_unsearched) < 0 ||
	    jstr(out, ri->lock_path) < 0 ||
	    buf_printf(out, ", \"lock_written\": %s, \"provenance\": ",
		       ri->lock_written ? "true" : "false") < 0 ||
	    jstr(out, ri->provenance_path) < 0 ||
	    buf_printf(out, ", \"provenance_written\": %s, \"checks\": [",
		       ri->provenance_written ? "true" : "false") < 0)
		return -1;
	for (size_t c = 0; c < NCHECKS; c++) {
		size_t nfail, k = 0;
		const char *st = check_state(ri, checks[c], &nfail);

		if (buf_adds(out, c ? ",\n  {\"check\": "
				    : "\n  {\"check\": ") < 0 ||
		    jstr(out, checks[c]) < 0 ||
		    buf_adds(out, ", \"result\": ") < 0 || jstr(out, st) < 0 ||
		    buf_adds(out, ", \"note\": ") < 0)
			return -1;
		{
			struct buf note = {0};
			int rc = check_note(ri, checks[c], &note);

			if (rc == 0)
				rc = jstr(out, note.p ? note.p : "");
			buf_free(&note);
			if (rc < 0 || buf_adds(out, ", \"findings\": [") < 0)
				return -1;
		}
		for (size_t i = 0; i < v->findings.n; i++) {
			const struct finding *f = &v->findings.v[i];

			if (strcmp(f->check, checks[c]) != 0)
				continue;
			if (buf_adds(out, k++ ? ", {\"level\": "
					      : "{\"level\": ") < 0 ||
			    jstr(out, level_name(f->level)) < 0 ||
			    buf_adds(out, ", \"path\": ") < 0 ||
			    jstr(out, f->path) < 0 ||
			    buf_adds(out, ", \"message\": ") < 0 ||
			    jstr(out, f->msg) < 0 || buf_addc(out, '}') < 0)
				return -1;
		}
		if (buf_adds(out, "]}") < 0)
			return -1;
	}
	/* Directory links inside a root, which the lock does not list. */
	if (buf_adds(out, "],\n  \"links\": [") < 0)
		return -1;
	for (size_t i = 0; i < v->tree.nlinks; i++) {
		const struct tree_link *l = &v->tree.links[i];

		if (buf_adds(out, i ? ", {\"path\": " : "{\"path\": ") < 0 ||
		    jstr(out, l->path) < 0 ||
		    buf_adds(out, ", \"target\": ") < 0 ||
		    jstr(out, l->target) < 0 || buf_addc(out, '}') < 0)
			return -1;
	}
	return buf_adds(out, "]}");
}

int report_json(const struct report_info *ri, struct buf *out)
{
	const struct spec *s = ri->spec;

	if (buf_adds(out, ",\n \"framework\": ") < 0 ||
	    jstr(out, spec_framework_name(s->framework)) < 0 ||
	    buf_adds(out, ", \"command\": [") < 0)
		return -1;
	for (size_t i = 0; i < s->command.n; i++)
		if ((i && buf_adds(out, ", ") < 0) ||
		    jstr(out, s->command.v[i].s) < 0)
			return -1;
	if (buf_printf(out, "], \"shell\": %s",
		       s->command_shell ? "true" : "false") < 0)
		return -1;
	if (ri->built &&
	    buf_printf(out, ", \"status\": %d, \"duration_ms\": %ld",
		       ri->build_status, ri->build_ms) < 0)
		return -1;
	if (json_env(ri, out) < 0 || json_sandbox(ri, out) < 0 ||
	    json_checks(ri, out) < 0)
		return -1;
	return 0;
}

int report_is_stdout(const char *path)
{
	return strcmp(path, "-") == 0;
}

int report_path_check(const char *path, struct err *e)
{
	struct stat st;

	if (report_is_stdout(path) || lstat(path, &st) < 0 ||
	    S_ISREG(st.st_mode))
		return 0;
	err_set(e, ERR_USAGE, NULL, 0, 0,
		"--report %s: not a regular file (%s): the report replaces "
		"only a regular file or creates one",
		path,
		S_ISLNK(st.st_mode)    ? "a symbolic link"
		: S_ISDIR(st.st_mode)  ? "a directory"
		: S_ISFIFO(st.st_mode) ? "a FIFO"
				       : "a device or socket");
	err_hint(e, "--report - writes it to standard output");
	return -1;
}

int report_write(const char *path, const char *command, int status,
		 const struct err *why, const struct buf *members,
		 struct err *e)
{
	struct buf text = {0};
	char reason[sizeof why->file + sizeof why->msg + 32];
	int rc = -1;

	if (why != NULL)
		err_format(why, reason, sizeof reason);
	if (buf_adds(&text, "{\"cleanroom\": ") < 0 ||
	    jstr(&text, command) < 0 ||
	    buf_printf(&text, ", \"exit_status\": %d, \"reason\": ", status) <
		    0 ||
	    jstr(&text, why != NULL ? reason : NULL) < 0 ||
	    buf_adds(&text, ", \"hint\": ") < 0 ||
	    jstr(&text, why != NULL && why->hint[0] ? why->hint : NULL) < 0 ||
	    buf_add(&text, members->p ? members->p : "", members->len) < 0 ||
	    buf_adds(&text, "\n}\n") < 0) {
		err_sys(e, ENOMEM, "writing the report");
		goto out;
	}
	if (report_is_stdout(path)) {
		if (io_write_all(STDOUT_FILENO, text.p, text.len) < 0) {
			err_sys(e, errno,
				"writing the report to standard "
				"output");
			goto out;
		}
	} else if (report_path_check(path, e) < 0) {
		goto out;
	} else if (io_write_file_atomic(path, text.p, text.len) < 0) {
		err_sys(e, errno, "%s", path);
		goto out;
	}
	rc = 0;
out:
	buf_free(&text);
	return rc;
}
