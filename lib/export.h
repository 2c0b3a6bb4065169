/*
 * export.h: writes a built page index out as plain files, for any static
 * host (and for benchmarks against nginx serving the same bytes).
 */
#ifndef FOLIO_EXPORT_H
#define FOLIO_EXPORT_H

#include <stddef.h>

/*
 * Writes every route of the index at index_path under outdir: "/" as
 * index.html, a route whose last segment has no extension as <route>.html,
 * others under their own name, the 404 page as 404.html, and files served as
 * they are copied. Routes that come to one file name are written once: a
 * generated page over a file, a file under its own name over one given
 * ".html"; each left out is logged and counted in *problems (if not
 * NULL). Returns the number of files written, or -1 with the reason in err.
 */
long	export_site(const char *index_path, const char *outdir,
	    size_t *problems, char *err, size_t errlen);

#endif
