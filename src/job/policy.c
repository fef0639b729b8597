/*
 * Building the child's environment from its sources and classifying every
 * variable. The environment is built from scratch from the sources in
 * order, never copied from environ (doas does the same): a name reaches
 * the build only because a source named it.
 */
#include "policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envfile.h"
#include "suggest.h"
#include "url.h"

const char *const policy_default_secret[] = {
	"*SECRET*",
	"*PASSWORD*",
	"*PASSWD*",
	"*TOKEN*",
	"*_KEY",
	"*KEY_BASE",
	"*CREDENTIALS*",
	"*PRIVATE*",
	"DATABASE_URL",
	/* The object store's key id (publish): not a secret by its form,
	 * but the build has no use for it, and with the secret key it is
	 * the store's write access. */
	"AWS_ACCESS_KEY_ID",
	NULL,
};

const char *policy_source_name(enum var_source s)
{
	switch (s) {
	case SRC_PRESET: return "preset";
	case SRC_INHERIT: return "inherited";
	case SRC_FILE: return "env file";
	case SRC_SPEC: return "spec";
	case SRC_FLAG: return "--set";
	}
	return "?";
}

const char *policy_browser_prefix(const char *name)
{
	static const char *const prefixes[] = {
		"VITE_",
		"NEXT_PUBLIC_",
		"REACT_APP_",
		NULL,
	};

	for (size_t i = 0; prefixes[i] != NULL; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return prefixes[i];
	return NULL;
}

int policy_url_has_password(const char *v)
{
	size_t off, len;

	return url_password(v, strlen(v), &off, &len) && len > 0;
}

/* The first pattern of l matching name, or NULL. */
static const char *list_match(const struct spec_list *l, const char *name)
{
	for (size_t i = 0; l != NULL && i < l->n; i++)
		if (fnmatch(l->v[i].s, name, 0) == 0)
			return l->v[i].s;
	return NULL;
}

const char *policy_secret_reason(const char *name, const char *value,
				 const struct spec_list *extra)
{
	const char *m;

	for (size_t i = 0; policy_default_secret[i] != NULL; i++)
		if (fnmatch(policy_default_secret[i], name, 0) == 0)
			return policy_default_secret[i];
	if ((m = list_match(extra, name)) != NULL)
		return m;
	if (value != NULL && policy_url_has_password(value))
		return "URL with a password";
	return NULL;
}

static int put(struct policy *p, const char *name, const char *value,
	       enum var_source src, const char *file, unsigned line,
	       struct err *e)
{
	struct var *v;

	if (vars_set(&p->all, name, strlen(name), value, strlen(value), file,
		     line) < 0)
		return err_sys(e, errno, "building the environment");
	v = vars_find(&p->all, name, strlen(name));
	v->tag = (int)src;
	return 0;
}

static int put_map(struct policy *p, const struct spec_map *m,
		   enum var_source src, const char *file, struct err *e)
{
	for (size_t i = 0; i < m->n; i++)
		if (put(p, m->v[i].name.s, m->v[i].value.s, src,
			m->v[i].name.line ? file : NULL, m->v[i].name.line,
			e) < 0)
			return -1;
	return 0;
}

/* Inherited names: every caller variable matching an inherit pattern, in
 * the caller's order. */
static int put_inherited(struct policy *p, const struct vars *base,
			 const struct config *cfg, struct err *e)
{
	const struct spec_list *inh = &cfg->spec.env.inherit;
	const struct var **order;
	int rc = 0;

	if (base->n == 0)
		return 0;
	order = malloc(base->n * sizeof *order);
	if (order == NULL)
		return err_sys(e, ENOMEM, "building the environment");
	vars_sorted(base, order);
	for (size_t i = 0; i < base->n && rc == 0; i++)
		if (list_match(inh, order[i]->name) != NULL)
			rc = put(p, order[i]->name, order[i]->value,
				 SRC_INHERIT, NULL, 0, e);
	free(order);
	return rc;
}

/* The caller's secret variables, inherited or not (policy.h). */
static int keep_caller_secrets(struct policy *p, const struct vars *base,
			       const struct config *cfg, struct err *e)
{
	for (size_t i = 0; i < base->n; i++) {
		const struct var *v = &base->v[i];

		if (policy_secret_reason(v->name, v->value,
					 &cfg->spec.env.secret) == NULL ||
		    (list_match(&cfg->spec.env.public, v->name) != NULL &&
		     list_match(&cfg->spec.env.secret, v->name) == NULL))
			continue;
		if (vars_set(&p->caller_secrets, v->name, strlen(v->name),
			     v->value, v->len, NULL, 0) < 0)
			return err_sys(e, ENOMEM, "building the environment");
	}
	return 0;
}

static int put_files(struct policy *p, const struct vars *base,
		     const struct config *cfg, struct err *e)
{
	const struct spec_list *files = &cfg->spec.env.files;
	struct vars defined;
	const struct var **order = NULL;
	int rc = -1;

	vars_init(&defined);
	for (size_t i = 0; i < files->n; i++)
		if (envfile_load(files->v[i].s, base, &defined, e) < 0)
			goto out;
	if (defined.n > 0) {
		order = malloc(defined.n * sizeof *order);
		if (order == NULL) {
			err_sys(e, ENOMEM, "building the environment");
			goto out;
		}
		vars_sorted(&defined, order);
	}
	for (size_t i = 0; i < defined.n; i++)
		if (put(p, order[i]->name, order[i]->value, SRC_FILE,
			order[i]->file, order[i]->line, e) < 0)
			goto out;
	rc = 0;
out:
	free(order);
	vars_free(&defined);
	return rc;
}

static int classify(struct policy *p, const struct config *cfg, struct err *e)
{
	const struct var **order;
	size_t nenv = 0;

	p->v = calloc(p->all.n + 1, sizeof *p->v);
	p->envp = calloc(p->all.n + 1, sizeof *p->envp);
	order = malloc((p->all.n + 1) * sizeof *order);
	if (p->v == NULL || p->envp == NULL || order == NULL) {
		free(order);
		return err_sys(e, ENOMEM, "building the environment");
	}
	vars_sorted(&p->all, order);
	for (size_t i = 0; i < p->all.n; i++) {
		const struct var *v = order[i];
		struct policy_var *pv = &p->v[p->n++];

		pv->name = v->name;
		pv->value = v->value;
		pv->len = v->len;
		pv->source = (enum var_source)v->tag;
		pv->file = v->file;
		pv->line = v->line;
		pv->why = policy_secret_reason(v->name, v->value,
					       &cfg->spec.env.secret);
		if (pv->why != NULL &&
		    list_match(&cfg->spec.env.secret, v->name) == NULL) {
			/* Looks secret, and secret: does not say it is. */
			if (list_match(&cfg->spec.env.public, v->name) != NULL)
				pv->public = 1;
			else if (pv->source == SRC_SPEC ||
				 pv->source == SRC_FLAG)
				pv->placeholder = 1;
			if (pv->public || pv->placeholder) {
				pv->lookalike = pv->why;
				pv->why = NULL;
			}
		}
		pv->secret = pv->why != NULL;
		pv->withheld = pv->secret && pv->source == SRC_FILE &&
			       list_match(&cfg->spec.env.pass, v->name) == NULL;
		if (pv->withheld)
			continue;
		size_t nlen = strlen(v->name);
		char *kv = malloc(nlen + 1 + v->len + 1);

		if (kv == NULL) {
			free(order);
			return err_sys(e, ENOMEM, "building the environment");
		}
		memcpy(kv, v->name, nlen);
		kv[nlen] = '=';
		memcpy(kv + nlen + 1, v->value, v->len + 1);
		p->envp[nenv++] = kv;
	}
	free(order);
	return 0;
}

/* Where a missing required name could come from, for the hint. */
static void missing_hint(const struct policy *p, const char *name,
			 const struct vars *base, struct buf *hint)
{
	const struct var *v = vars_get(&p->all, name, strlen(name));

	if (hint->len > 0)
		buf_adds(hint, "; ");
	if (v != NULL && v->tag == SRC_FILE &&
	    policy_browser_prefix(name) != NULL) {
		buf_printf(hint,
			   "%s from %s:%u looks secret and is withheld, but a "
			   "%s variable goes into the browser bundle: if its "
			   "value is public, --public %s (env.public)",
			   name, v->file, v->line, policy_browser_prefix(name),
			   name);
	} else if (v != NULL && v->tag == SRC_FILE) {
		buf_printf(hint,
			   "%s is a secret from %s:%u and is withheld: "
			   "--pass %s",
			   name, v->file, v->line, name);
	} else if (vars_get(base, name, strlen(name)) != NULL) {
		buf_printf(hint, "the caller has %s: --inherit %s", name, name);
	} else {
		buf_printf(hint,
			   "%s: define it in an env file or with --set "
			   "%s=VALUE",
			   name, name);
	}
}

static int check_required(struct policy *p, const struct config *cfg,
			  const struct vars *base, struct err *e)
{
	const struct spec_list *req = &cfg->spec.env.require;
	struct buf names = {0}, hint = {0};

	p->missing = calloc(req->n + 1, sizeof *p->missing);
	if (p->missing == NULL)
		return err_sys(e, ENOMEM, "building the environment");
	for (size_t i = 0; i < req->n; i++) {
		const char *name = req->v[i].s;
		int present = 0;

		for (size_t j = 0; j < p->n; j++)
			if (p->v[j].name != NULL &&
			    strcmp(p->v[j].name, name) == 0)
				present = !p->v[j].withheld;
		if (present)
			continue;
		p->missing[p->nmissing++] = name;
		if (names.len > 0)
			buf_adds(&names, ", ");
		buf_adds(&names, name);
		missing_hint(p, name, base, &hint);
	}
	if (p->nmissing > 0) {
		err_set(e, ERR_CONFIG, NULL, 0, 0,
			"required variable%s missing: %s",
			p->nmissing > 1 ? "s" : "", names.p);
		err_hint(e, "%s", hint.p);
	}
	buf_free(&names);
	buf_free(&hint);
	return p->nmissing > 0 ? -1 : 0;
}

int policy_build(const struct config *cfg, char *const *caller_env,
		 struct policy *out, struct err *e)
{
	struct vars base;
	int rc = -1;

	memset(out, 0, sizeof *out);
	vars_init(&out->all);
	vars_init(&out->caller_secrets);
	vars_init(&base);
	if (vars_from_environ(&base, caller_env) < 0) {
		err_sys(e, ENOMEM, "reading the environment");
		goto out;
	}
	if (put_map(out, &cfg->preset_set, SRC_PRESET, NULL, e) < 0 ||
	    put_inherited(out, &base, cfg, e) < 0 ||
	    keep_caller_secrets(out, &base, cfg, e) < 0 ||
	    put_files(out, &base, cfg, e) < 0 ||
	    put_map(out, &cfg->spec_set, SRC_SPEC, cfg->spec.path, e) < 0 ||
	    put_map(out, &cfg->flag_set, SRC_FLAG, NULL, e) < 0 ||
	    classify(out, cfg, e) < 0 || check_required(out, cfg, &base, e) < 0)
		goto out;
	rc = 0;
out:
	vars_free(&base);
	return rc;
}

int policy_unmatched_pass(const struct policy *p, const struct config *cfg,
			  struct buf *out)
{
	const struct spec_list *pass = &cfg->spec.env.pass;
	int lines = 0;

	for (size_t i = 0; i < pass->n; i++) {
		const char *pat = pass->v[i].s;
		struct suggest s;
		int found = 0;

		suggest_init(&s, pat);
		for (size_t j = 0; j < p->n && !found; j++) {
			found = fnmatch(pat, p->v[j].name, 0) == 0;
			suggest_offer(&s, p->v[j].name);
		}
		if (found)
			continue;
		if (buf_printf(out,
			       "pass: '%s' names no variable of any source "
			       "(env files, inherit, set, --set)",
			       pat) < 0 ||
		    (suggest_best(&s) != NULL &&
		     buf_printf(out, "\nhint: did you mean '%s'?",
				suggest_best(&s)) < 0) ||
		    buf_addc(out, '\n') < 0)
			return -1;
		lines++;
	}
	return lines;
}

void policy_free(struct policy *p)
{
	if (p->envp != NULL) {
		for (char **kv = p->envp; *kv != NULL; kv++) {
			explicit_bzero(*kv, strlen(*kv));
			free(*kv);
		}
	}
	free(p->envp);
	free(p->v);
	free(p->missing);
	vars_free(&p->all);
	vars_free(&p->caller_secrets);
	memset(p, 0, sizeof *p);
}
