/*
 * mime.h: content types of the files foliod serves, by extension.
 */
#ifndef FOLIO_MIME_H
#define FOLIO_MIME_H

#include <stdbool.h>

/* The Content-Type for a file name; "application/octet-stream" if unknown.
 * Text types carry "; charset=utf-8". */
const char *mime_type(const char *name);
/* True for types worth compressing (text, JSON, XML, SVG, ...). */
bool	mime_compressible(const char *type);

#endif
