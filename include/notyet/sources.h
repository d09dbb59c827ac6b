/* sources.h: the user's busy time from every busy source (DESIGN.md 2, 3, 4).
 *
 * I/O module: reads .ics files, vdir folders and ics feeds (http(s) URLs)
 * and hands their text to the busy engine (busy.h) as a stream, so memory
 * stays flat however large a calendar is. Several sources merge into one
 * busy list.
 */
#pragma once

#include <glib.h>

#include "notyet/busy.h"
#include "notyet/config.h"

G_BEGIN_DECLS

#define NY_SOURCES_ERROR (ny_sources_error_quark())
GQuark ny_sources_error_quark(void);

typedef enum {
    NY_SOURCES_ERROR_NO_SOURCE,   /* no --ics and no [calendar] configured: exit 2 */
    NY_SOURCES_ERROR_IO,          /* a file or folder cannot be read: exit 1 */
    NY_SOURCES_ERROR_UNSUPPORTED, /* a source type this build cannot read yet: exit 1 */
    NY_SOURCES_ERROR_FAILED,
} NySourcesError;

/**
 * ny_sources_busy:
 * @config: the configuration; its [calendar NAME] groups are the sources
 *          unless @ics is given
 * @ics: (nullable) (array zero-terminated=1): --ics FILE|URL values; when
 *       non-empty they replace the configured calendars
 * @query: the window, the user's zone and addresses, the limits
 * @offline: answer without network (an http source is then an error)
 * @out_busy: (out) (transfer full) (element-type NyInterval): the merged,
 *            sorted busy periods, clipped to the window
 * @out_warnings: (out) (transfer full) (element-type utf8): one line per
 *                skipped or suspicious component, prefixed with its source
 *
 * Returns: TRUE on success; FALSE with NY_SOURCES_ERROR_NO_SOURCE when there
 * is no source at all, NY_SOURCES_ERROR_IO naming a path that cannot be
 * read, NY_BUSY_ERROR for a file that holds no iCalendar data, or
 * NY_HTTP_ERROR for a feed. The out-parameters are untouched on failure.
 */
gboolean ny_sources_busy(const NyConfig *config, const char *const *ics, const NyBusyQuery *query,
                         gboolean offline, GArray **out_busy, GPtrArray **out_warnings,
                         GError **error);

/**
 * ny_sources_busy_file:
 * @path: an .ics file, read in chunks
 * @busy: (element-type NyInterval): appended to (not normalized)
 * @warnings: (element-type utf8): appended to, each prefixed "'PATH': "
 *
 * Returns: FALSE with NY_SOURCES_ERROR_IO or NY_BUSY_ERROR.
 */
gboolean ny_sources_busy_file(const char *path, const NyBusyQuery *query, GArray *busy,
                              GPtrArray *warnings, GError **error);

G_END_DECLS
