/*
 * mime.c: the Content-Type of a file foliod serves as it is, by the
 * extension of its name, and whether that type is worth compressing.
 */
#include "mime.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#define MIME_DEFAULT	"application/octet-stream"
/* Longer than any extension in the table; longer ones are unknown. */
#define MIME_EXT_MAX	8

struct mime {
	const char	*ext;		/* lower case, no dot */
	const char	*type;
};

/* Text types say their charset: the content is UTF-8 throughout. */
static const struct mime mimes[] = {
	{ "html",	"text/html; charset=utf-8" },
	{ "htm",	"text/html; charset=utf-8" },
	{ "css",	"text/css; charset=utf-8" },
	{ "js",		"text/javascript; charset=utf-8" },
	{ "mjs",	"text/javascript; charset=utf-8" },
	{ "json",	"application/json" },
	{ "xml",	"application/xml; charset=utf-8" },
	{ "txt",	"text/plain; charset=utf-8" },
	{ "md",		"text/markdown; charset=utf-8" },
	{ "csv",	"text/csv; charset=utf-8" },
	{ "svg",	"image/svg+xml" },
	{ "png",	"image/png" },
	{ "jpg",	"image/jpeg" },
	{ "jpeg",	"image/jpeg" },
	{ "gif",	"image/gif" },
	{ "webp",	"image/webp" },
	{ "avif",	"image/avif" },
	{ "ico",	"image/x-icon" },
	{ "pdf",	"application/pdf" },
	{ "woff",	"font/woff" },
	{ "woff2",	"font/woff2" },
	{ "ttf",	"font/ttf" },
	{ "otf",	"font/otf" },
	{ "mp4",	"video/mp4" },
	{ "webm",	"video/webm" },
	{ "mp3",	"audio/mpeg" },
	{ "ogg",	"audio/ogg" },
	{ "wasm",	"application/wasm" },
	{ "zip",	"application/zip" },
	{ "gz",		"application/gzip" },
	{ "tar",	"application/x-tar" },
};

const char *
mime_type(const char *name)
{
	const char *base, *dot;

	if ((base = strrchr(name, '/')) == NULL)
		base = name;
	/* ".profile" has no extension; "a." has an empty one. */
	if ((dot = strrchr(base, '.')) == NULL || dot == base ||
	    (base[0] == '/' && dot == base + 1) || strlen(dot + 1) > MIME_EXT_MAX)
		return MIME_DEFAULT;
	for (size_t i = 0; i < sizeof(mimes) / sizeof(mimes[0]); i++)
		if (strcasecmp(dot + 1, mimes[i].ext) == 0)
			return mimes[i].type;
	return MIME_DEFAULT;
}

/* Does the media type of type (before any ';') equal t, ignoring case? */
static bool
type_is(const char *type, size_t len, const char *t)
{
	return strlen(t) == len && strncasecmp(type, t, len) == 0;
}

bool
mime_compressible(const char *type)
{
	/* Formats that are not compressed already. */
	static const char *other[] = {
		"application/json", "application/xml", "application/javascript",
		"application/atom+xml", "application/rss+xml",
		"application/manifest+json", "application/wasm",
		"application/x-tar", "image/svg+xml", "image/x-icon",
		"font/ttf", "font/otf",
	};
	size_t len = strcspn(type, "; \t");

	if (len > 5 && strncasecmp(type, "text/", 5) == 0)
		return true;
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (type_is(type, len, other[i]))
			return true;
	return false;
}
