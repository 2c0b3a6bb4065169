/*
 * test_mime.c: the type of every extension foliod knows, in any case and
 * behind any directory; names with no, empty or unknown extensions; and
 * which types are worth compressing.
 */
#include <string.h>

#include "mime.h"
#include "test.h"

#define BIN	"application/octet-stream"

static void
test_types(void)
{
	static const struct {
		const char	*name;
		const char	*type;
	} cases[] = {
		{ "index.html", "text/html; charset=utf-8" },
		{ "old.htm", "text/html; charset=utf-8" },
		{ "style.css", "text/css; charset=utf-8" },
		{ "app.js", "text/javascript; charset=utf-8" },
		{ "mod.mjs", "text/javascript; charset=utf-8" },
		{ "data.json", "application/json" },
		{ "sitemap.xml", "application/xml; charset=utf-8" },
		{ "robots.txt", "text/plain; charset=utf-8" },
		{ "README.md", "text/markdown; charset=utf-8" },
		{ "table.csv", "text/csv; charset=utf-8" },
		{ "logo.svg", "image/svg+xml" },
		{ "a.png", "image/png" },
		{ "a.jpg", "image/jpeg" },
		{ "a.jpeg", "image/jpeg" },
		{ "a.gif", "image/gif" },
		{ "a.webp", "image/webp" },
		{ "a.avif", "image/avif" },
		{ "favicon.ico", "image/x-icon" },
		{ "paper.pdf", "application/pdf" },
		{ "f.woff", "font/woff" },
		{ "f.woff2", "font/woff2" },
		{ "f.ttf", "font/ttf" },
		{ "f.otf", "font/otf" },
		{ "v.mp4", "video/mp4" },
		{ "v.webm", "video/webm" },
		{ "s.mp3", "audio/mpeg" },
		{ "s.ogg", "audio/ogg" },
		{ "m.wasm", "application/wasm" },
		{ "a.zip", "application/zip" },
		{ "a.gz", "application/gzip" },
		{ "a.tar", "application/x-tar" },
		/* Case, directories, several dots. */
		{ "PHOTO.JPG", "image/jpeg" },
		{ "Photo.JpEg", "image/jpeg" },
		{ "INDEX.HTML", "text/html; charset=utf-8" },
		{ "/images/2026/cover.webp", "image/webp" },
		{ "static/css/site.min.css", "text/css; charset=utf-8" },
		{ "release-1.2.tar.gz", "application/gzip" },
		{ "/a.b/c.png", "image/png" },
		{ "/posts/x/diagram.SVG", "image/svg+xml" },
		/* No extension, or one we do not know. */
		{ "", BIN },
		{ "README", BIN },
		{ "/images/noext", BIN },
		{ "/a.dir/noext", BIN },
		{ ".htaccess", BIN },
		{ "/static/.hidden", BIN },
		{ ".png", BIN },
		{ "/x/.png", BIN },
		{ "trailing.", BIN },
		{ "a.exe", BIN },
		{ "a.phtml", BIN },
		{ "a.html.bak", BIN },
		{ "a.jpgx", BIN },
		{ "a.pn", BIN },
		{ "a.averyveryverylongextension", BIN },
		{ "a.htm\xff", BIN },
		{ "/", BIN },
		{ "dir/", BIN },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = mime_type(cases[i].name);
		ok(t != NULL && strcmp(t, cases[i].type) == 0,
		    "mime_type(\"%s\") = \"%s\", want \"%s\"", cases[i].name,
		    t ? t : "(null)", cases[i].type);
	}
}

static void
test_compressible(void)
{
	static const struct {
		const char	*type;
		bool		 yes;
	} cases[] = {
		{ "text/html; charset=utf-8", true },
		{ "text/css; charset=utf-8", true },
		{ "text/plain", true },
		{ "TEXT/PLAIN", true },
		{ "text/javascript; charset=utf-8", true },
		{ "application/json", true },
		{ "application/xml; charset=utf-8", true },
		{ "application/atom+xml; charset=utf-8", true },
		{ "application/wasm", true },
		{ "application/x-tar", true },
		{ "image/svg+xml", true },
		{ "image/x-icon", true },
		{ "font/ttf", true },
		{ "font/otf", true },
		{ "image/png", false },
		{ "image/jpeg", false },
		{ "image/webp", false },
		{ "image/avif", false },
		{ "image/gif", false },
		{ "font/woff", false },
		{ "font/woff2", false },
		{ "video/mp4", false },
		{ "audio/mpeg", false },
		{ "application/gzip", false },
		{ "application/zip", false },
		{ "application/pdf", false },
		{ "application/octet-stream", false },
		{ "", false },
		{ "text/", false },
		{ "text", false },
		{ "application/jsonx", false },
		{ "application/json-seq", false },
		{ "image/svg", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(mime_compressible(cases[i].type) == cases[i].yes,
		    "mime_compressible(\"%s\"): want %s", cases[i].type,
		    cases[i].yes ? "yes" : "no");
}

/* Every type mime_type gives is consistent with mime_compressible: text
 * is compressible, and the type strings are well formed. */
static void
test_consistent(void)
{
	static const char *names[] = { "a.html", "a.css", "a.js", "a.json",
	    "a.xml", "a.txt", "a.md", "a.svg", "a.png", "a.jpg", "a.woff2",
	    "a.mp4", "a.gz", "a" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *t = mime_type(names[i]);
		bool text = strncmp(t, "text/", 5) == 0;
		ok(!text || (mime_compressible(t) &&
		    strstr(t, "; charset=utf-8") != NULL),
		    "%s: text type %s is compressible, with a charset",
		    names[i], t);
		ok(strchr(t, '/') != NULL && strchr(t, '\n') == NULL,
		    "%s: type %s is well formed", names[i], t);
	}
}

int
main(void)
{
	test_types();
	test_compressible();
	test_consistent();
	return test_done();
}
