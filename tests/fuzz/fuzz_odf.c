/*
 * fuzz_odf - OpenDocument (extract_odf.c): the zip package,
 * manifest and its encryption entries, content.xml and styles through
 * the libxml2 SAX reader, spreadsheets' rows and cells.
 * The input is handed to extract_odf() as the content of a node (as
 * extract_node() does once the type is known); members it finds are
 * identified (libmagic, our signatures) and extracted in turn through
 * the real dispatch, so nested formats are reached too. The sink is
 * fuzz_common.h's: text through the charset and HTML code, nodes
 * counted. Limits: fz_limits().
 */
#include "fuzz_common.h"

static struct fz_sink sink;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_sink_setup(&sink);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_extract(&sink, extract_odf, data, size);
	return 0;
}
