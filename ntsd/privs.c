/* ntsd: run as an unprivileged user once the ports are bound and the keys
 * read (ntsd.conf(5) 'user', ntsd -u), and check the key files at start.
 *
 * libcap-ng rather than prctl/capset by hand: keeping a capability across
 * setuid takes PR_SET_KEEPCAPS, setgroups, setresgid, setresuid and a
 * capset with the right ABI version in the right order; capng_change_id()
 * does exactly that sequence (and clears the bounding set), as chrony uses
 * it. Capabilities are per thread on Linux, so this runs before any worker
 * thread starts; glibc's setresuid() reaches every thread anyway. */
#include <config.h>

#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nts/err.h"
#include "nts/log.h"
#include "ntsd.h"

int ntsd_privs_resolve(const char *spec, struct ntsd_privs *p)
{
	char name[64];
	memset(p, 0, sizeof *p);
	if (strlen(spec) >= sizeof name)
		return NTS_E_CONF;
	strcpy(name, spec);
	char *group = strchr(name, ':');
	if (group)
		*group++ = '\0';
	errno = 0;
	struct passwd *pw = getpwnam(name);
	if (!pw) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED,
			"user '%s' does not exist (create it, e.g. adduser --system %s)", name, name);
		return NTS_E_CONF;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	if (group && group[0]) {
		struct group *gr = getgrnam(group);
		if (!gr) {
			nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "group '%s' does not exist", group);
			return NTS_E_CONF;
		}
		p->gid = gr->gr_gid;
	}
	snprintf(p->name, sizeof p->name, "%s", name);
	p->active = true;
	return NTS_OK;
}

/* The cookie master keys sign every cookie: the file must be a plain file
 * (a symlink could point a root-run ntsd anywhere), belong to root or the
 * run user, and be closed to group and others. */
static int check_cookie_file(const struct ntsd_config *c, const struct ntsd_privs *p)
{
	struct stat st;
	if (!c->cookie_file[0] || lstat(c->cookie_file, &st) != 0)
		return NTS_OK;   /* not created yet: ntsd makes it with mode 0600 */
	const char *why = NULL;
	if (S_ISLNK(st.st_mode))
		why = "is a symbolic link (give the real path)";
	else if (!S_ISREG(st.st_mode))
		why = "is not a regular file";
	else if (st.st_uid != 0 && !(p->active && st.st_uid == p->uid) && st.st_uid != geteuid())
		why = "belongs to another user (chown it to root or the ntsd user)";
	else if (st.st_mode & 077) {
		/* name the mode, as `ntsd -n` does */
		nts_log(NTS_LOG_ERR, NTS_TAG_SERVER,
			"cookie key file %s has mode %04o: readable or writable by group or others "
			"(chmod 600)", c->cookie_file, (unsigned)st.st_mode & 07777);
		return NTS_E_CONF;
	}
	if (!why)
		return NTS_OK;
	nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "cookie key file %s %s", c->cookie_file, why);
	return NTS_E_CONF;
}

int ntsd_privs_check_files(const struct ntsd_config *c, const struct ntsd_privs *p)
{
	if (!c->nts_enable)
		return NTS_OK;
	struct stat st;
	if (stat(c->key_file, &st) == 0) {
		if (st.st_mode & 002) {
			nts_log(NTS_LOG_ERR, NTS_TAG_SERVER, "TLS key %s is writable by anyone", c->key_file);
			return NTS_E_CONF;
		}
		if (st.st_mode & 004)
			nts_log(NTS_LOG_WARNING, NTS_TAG_SERVER,
				"TLS key %s is readable by anyone (chmod o-r)", c->key_file);
	}
	return check_cookie_file(c, p);
}

/* After the drop: what ntsd will still open as the user. */
static int check_access(const struct ntsd_config *c, const struct ntsd_privs *p)
{
	int bad = 0;
	const char *files[] = { c->cert_file, c->key_file };
	for (size_t i = 0; c->nts_enable && i < 2; i++) {
		if (files[i][0] && access(files[i], R_OK) != 0) {
			nts_log(NTS_LOG_ERR, NTS_TAG_SERVER,
				"%s is not readable by user %s (%s): certificate reloads would fail; "
				"make it readable (e.g. group ssl-cert, mode 640)",
				files[i], p->name, strerror(errno));
			bad++;
		}
	}
	if (c->nts_enable && c->cookie_file[0]) {
		char dir[NTSD_PATH_MAX];
		snprintf(dir, sizeof dir, "%s", c->cookie_file);
		char *slash = strrchr(dir, '/');
		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		if (access(dir, W_OK | X_OK) != 0) {
			nts_log(NTS_LOG_ERR, NTS_TAG_SERVER,
				"directory %s is not writable by user %s (%s): rotated cookie keys could "
				"not be saved; chown it to %s",
				dir, p->name, strerror(errno), p->name);
			bad++;
		}
	}
	if (c->state_dir[0] && access(c->state_dir, W_OK | X_OK) != 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED,
			"statedir %s is not writable by user %s (%s): chown it to %s", c->state_dir,
			p->name, strerror(errno), p->name);
		bad++;
	}
	return bad ? NTS_E_CONF : NTS_OK;
}

int ntsd_privs_drop(const struct ntsd_config *c, const struct ntsd_privs *p, bool keep_sys_time)
{
	if (!p->active)
		return NTS_OK;
	/* the cookie key file and its lock (keyfile.c) were created or loaded
	 * as root: hand them over so the user can rewrite them at rotation */
	char lock[NTSD_PATH_MAX + 8];
	snprintf(lock, sizeof lock, "%s.lock", c->cookie_file);
	const char *own[] = { c->cookie_file, lock };
	for (size_t i = 0; c->nts_enable && c->cookie_file[0] && i < 2; i++)
		if (chown(own[i], p->uid, p->gid) != 0 && errno != ENOENT)
			nts_log(NTS_LOG_WARNING, NTS_TAG_SERVER, "chown %s: %s", own[i], strerror(errno));
	capng_clear(CAPNG_SELECT_BOTH);
	/* only a daemon that disciplines the clock keeps the right to set it */
	if (keep_sys_time &&
	    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_TIME) != 0)
		return NTS_E_IO;
	int rc = capng_change_id((int)p->uid, (int)p->gid, CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rc != 0) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "cannot switch to user %s (uid %u): libcap-ng error %d",
			p->name, (unsigned)p->uid, rc);
		return NTS_E_IO;
	}
	if (getuid() != p->uid || geteuid() != p->uid || getgid() != p->gid) {
		nts_log(NTS_LOG_ERR, NTS_TAG_SHARED, "still running as uid %u after the switch",
			(unsigned)geteuid());
		return NTS_E_IO;
	}
	/* core dumps of a process that held keys: off (setuid clears the
	 * dumpable flag already; keep it that way explicitly) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	nts_log(NTS_LOG_NOTICE, NTS_TAG_SHARED, "running as user %s (uid %u, gid %u)%s", p->name,
		(unsigned)p->uid, (unsigned)p->gid,
		keep_sys_time ? ", keeping CAP_SYS_TIME" : ", no capabilities");
	return check_access(c, p);
}
