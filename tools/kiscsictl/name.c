// SPDX-License-Identifier: GPL-2.0
/*
 * kiscsictl: iSCSI names and the initiator name of this host.
 *
 * Names are checked before they are sent so that a typo gets a reason and
 * a hint here rather than a login reject from the target. The rules are
 * RFC 3720 3.2.6.3 (iqn., eui., naa. formats; RFC 3980 added naa.), RFC 3722
 * (names are compared after stringprep, which lowercases: an uppercase iqn
 * name is not the name the target stores) and RFC 7143 (at most 223 bytes).
 *
 * The initiator name is, in order: -I; InitiatorName= in open-iscsi's file,
 * so a host keeps the name its targets' ACLs already know; InitiatorName= in
 * kiscsi's own file; else a new name, saved in kiscsi's file so that it
 * stays the same from then on.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "kiscsictl.h"
#include "name.h"

#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789-.:"
#define HEX_CHARS	"0123456789abcdefABCDEF"
#define IQN_EXAMPLE	"iqn.2001-04.com.example:storage1"

const struct name_files name_files_default = {
	.openiscsi = NAME_FILE_OPENISCSI,
	.kiscsi = NAME_FILE_KISCSI,
};

static int check_lowercase(const char *name, char *why, size_t len)
{
	char low[ISCSI_NAME_MAX + 1];
	size_t i;

	for (i = 0; name[i] && !isupper((unsigned char)name[i]); i++)
		;
	if (!name[i])
		return 0;
	for (i = 0; name[i] && i < ISCSI_NAME_MAX; i++)
		low[i] = tolower((unsigned char)name[i]);
	low[i] = '\0';
	return reason(why, len, "iqn names are lowercase (RFC 3722): use '%s'", low);
}

static int check_chars(const char *name, char *why, size_t len)
{
	unsigned char c = name[strspn(name, NAME_CHARS)];

	if (!c)
		return 0;
	if (isprint(c))
		return reason(why, len, "'%c' is not allowed in an iSCSI name (a-z 0-9 - . :)", c);
	return reason(why, len, "byte 0x%02x is not allowed in an iSCSI name (a-z 0-9 - . :)", c);
}

/* "YYYY-MM." after "iqn." */
static int check_date(const char *p, char *why, size_t len)
{
	int month;

	if (strspn(p, "0123456789") != 4 || p[4] != '-' ||
	    strspn(p + 5, "0123456789") != 2 || p[7] != '.')
		return reason(why, len, "expected iqn.YYYY-MM.reversed.domain[:unique], like "
			      IQN_EXAMPLE);
	month = (p[5] - '0') * 10 + p[6] - '0';
	if (month < 1 || month > 12)
		return reason(why, len, "month %.2s in the date is not 01 to 12", p + 5);
	return 0;
}

/* The naming authority: a reversed domain name up to ':' or the end. */
static int check_authority(const char *p, char *why, size_t len)
{
	size_t n = strcspn(p, ":");

	if (n == 0 || p[0] == '.' || p[n - 1] == '.' || memmem(p, n, "..", 2))
		return reason(why, len, "the naming authority must be a reversed domain name, like "
			      IQN_EXAMPLE);
	return 0;
}

static int check_iqn(const char *name, char *why, size_t len)
{
	int ret;

	ret = check_lowercase(name, why, len);
	if (!ret)
		ret = check_chars(name, why, len);
	if (!ret)
		ret = check_date(name + 4, why, len);
	if (!ret)
		ret = check_authority(name + 12, why, len);
	return ret;
}

/* eui. + 16 hex digits; naa. + 16 or 32. Hex digits in either case. */
static int check_hex(const char *name, char *why, size_t len)
{
	int eui = !strncasecmp(name, "eui.", 4);
	const char *hex = name + 4;
	size_t n = strlen(hex);

	if (strncmp(name, eui ? "eui." : "naa.", 4))
		return reason(why, len, "the type is lowercase: '%s.'", eui ? "eui" : "naa");
	if (strspn(hex, HEX_CHARS) != n)
		return reason(why, len, "'%.4s' must be followed by hexadecimal digits only", name);
	if (eui && n != 16)
		return reason(why, len, "an eui. name has 16 hexadecimal digits, not %zu", n);
	if (!eui && n != 16 && n != 32)
		return reason(why, len, "a naa. name has 16 or 32 hexadecimal digits, not %zu", n);
	return 0;
}

/**
 * iscsi_name_check() - check an iSCSI name before it is sent
 * @name: an initiator or target name
 * @why: set to a one-line reason, with a hint where there is one
 * @whylen: size of @why, NAME_WHY_LEN fits every reason
 *
 * Return: 0 or -EINVAL.
 */
int iscsi_name_check(const char *name, char *why, size_t whylen)
{
	size_t n = strlen(name);

	if (!n)
		return reason(why, whylen, "the name is empty");
	if (n > ISCSI_NAME_MAX)
		return reason(why, whylen, "the name is longer than %d bytes", ISCSI_NAME_MAX);
	if (!strncasecmp(name, "iqn.", 4))
		return check_iqn(name, why, whylen);
	if (!strncasecmp(name, "eui.", 4) || !strncasecmp(name, "naa.", 4))
		return check_hex(name, why, whylen);
	return reason(why, whylen, "an iSCSI name starts with iqn., eui. or naa., like "
		      IQN_EXAMPLE);
}

/* "InitiatorName=NAME", maybe indented; comments and other keys are not. */
static int parse_line(char *line, char *name, size_t len)
{
	static const char key[] = "InitiatorName=";
	char *p = line + strspn(line, " \t");
	char *end;

	if (strncmp(p, key, sizeof(key) - 1))
		return 0;
	p += sizeof(key) - 1;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	if (!*p)
		return 0;
	snprintf(name, len, "%s", p);
	return 1;
}

/**
 * name_file_read() - read InitiatorName= from an open-iscsi style file
 * @path: the file
 * @name: the name, cut at @len - 1 bytes (make @len ISCSI_NAME_BUF so that
 *        a cut name is still too long for iscsi_name_check())
 * @len: size of @name
 *
 * Return: 1 when found, 0 when the file or the line is absent, or a
 * negative errno.
 */
int name_file_read(const char *path, char *name, size_t len)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int found = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (!found && getline(&line, &cap, f) >= 0)
		found = parse_line(line, name, len);
	if (!found && ferror(f))
		found = -EIO;
	free(line);
	fclose(f);
	return found;
}

/**
 * name_make() - make a new initiator name for this host
 * @host: the host name; characters an iSCSI name cannot hold become '-'
 * @rnd: random bytes, so that hosts with the same name get different names
 * @name: NAME_GEN_PREFIX host-hhhhhhhhhhhh
 * @len: size of @name
 *
 * Return: 0 or -ENAMETOOLONG.
 */
int name_make(const char *host, const uint8_t rnd[NAME_RAND_BYTES],
	      char *name, size_t len)
{
	char h[64];
	size_t i;
	int n;

	for (i = 0; host[i] && i + 1 < sizeof(h); i++) {
		unsigned char c = tolower((unsigned char)host[i]);

		h[i] = (c < 0x80 && (isalnum(c) || c == '-' || c == '.')) ? c : '-';
	}
	h[i] = '\0';
	n = snprintf(name, len, NAME_GEN_PREFIX "%s-%02x%02x%02x%02x%02x%02x",
		     i ? h : "host", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* mkdir -p of the directory that holds @file */
static int mkdir_parent(const char *file)
{
	char dir[PATH_MAX];
	char *p;

	snprintf(dir, sizeof(dir), "%s", file);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = strchr(dir + 1, '/');; p = strchr(p + 1, '/')) {
		if (p)
			*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		if (!p)
			return 0;
		*p = '/';
	}
}

/**
 * name_file_write() - save a generated initiator name, never replacing one
 * @path: the file, created with mode 0644
 * @name: the name
 *
 * The file is written aside and linked into place, so that a reader never
 * sees half a file and two kiscsictl racing keep the first one's name.
 *
 * Return: 0, -EEXIST when @path exists, or another negative errno.
 */
int name_file_write(const char *path, const char *name)
{
	char tmp[PATH_MAX];
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) ||
	    dprintf(fd, "# The iSCSI initiator name of this host, made by kiscsictl.\n"
		    "# Targets grant access by it: keep it, and keep it unique.\n"
		    "InitiatorName=%s\n", name) < 0 ||
	    fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && link(tmp, path))
		ret = -errno;
	unlink(tmp);
	return ret;
}

/* 1: a valid name was found, 0: none there, -1: an error was printed */
static int from_file(const char *path, char *name, size_t len)
{
	char why[NAME_WHY_LEN];
	int ret = name_file_read(path, name, len);

	if (ret < 0) {
		fprintf(stderr, "kiscsictl: cannot read %s: %s (fix it, or pass -I NAME)\n",
			path, strerror(-ret));
		return -1;
	}
	if (ret && iscsi_name_check(name, why, sizeof(why))) {
		fprintf(stderr,
			"kiscsictl: %s: bad InitiatorName: %s (fix the file, or pass -I NAME)\n",
			path, why);
		return -1;
	}
	return ret;
}

static int generate(const char *path, char *name, size_t len)
{
	uint8_t rnd[NAME_RAND_BYTES];
	char host[256] = "";
	int ret;

	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		fprintf(stderr, "kiscsictl: cannot make an initiator name: %m (pass -I NAME)\n");
		return EXIT_FAIL;
	}
	ret = name_make(host, rnd, name, len);
	if (!ret)
		ret = mkdir_parent(path);
	if (!ret)
		ret = name_file_write(path, name);
	if (ret == -EEXIST)	/* another kiscsictl was faster: take its name */
		return from_file(path, name, len) == 1 ? EXIT_OK : EXIT_FAIL;
	if (ret) {
		fprintf(stderr,
			"kiscsictl: cannot save a new initiator name in %s: %s (run as root, or pass -I)\n",
			path, strerror(-ret));
		return EXIT_FAIL;
	}
	fprintf(stderr, "kiscsictl: note: no initiator name was set; made %s and saved it in %s\n",
		name, path);
	return EXIT_OK;
}

/**
 * initiator_name() - the initiator name to use
 * @opt: the -I argument (already checked), or NULL
 * @files: where to look, name_files_default but in tests
 * @name: the name
 * @len: size of @name, at least ISCSI_NAME_BUF
 *
 * Return: EXIT_OK, or EXIT_FAIL after printing why.
 */
int initiator_name(const char *opt, const struct name_files *files,
		   char *name, size_t len)
{
	int ret;

	if (opt) {
		snprintf(name, len, "%s", opt);
		return EXIT_OK;
	}
	ret = from_file(files->openiscsi, name, len);
	if (!ret)
		ret = from_file(files->kiscsi, name, len);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_FAIL;
	return generate(files->kiscsi, name, len);
}
