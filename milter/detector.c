/*
 * detector - the table of built-in detectors. See detector.h.
 *
 * Adding one: write its detector_ops in its own module, declare it in that
 * module's header and add a line to the table below.
 */
#include <string.h>

#include "detector.h"
#include "person.h"

static const struct detector_ops *const detectors[] = {
	&person_record_ops, NULL, /* the end */
};

const struct detector_ops *
detector_lookup(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; detectors[i] != NULL; i++)
		if (strcmp(detectors[i]->name, name) == 0)
			return detectors[i];
	return NULL;
}

const char *
detector_name(size_t i)
{
	size_t n;

	for (n = 0; detectors[n] != NULL; n++)
		if (n == i)
			return detectors[n]->name;
	return NULL;
}
