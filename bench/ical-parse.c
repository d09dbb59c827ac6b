/* ical-parse: the benchmark's baseline, a bare libical parse of a whole file.
 *
 * Reads FILE, runs icalparser_parse_string() on it and frees the tree: what
 * any libical-based tool pays before computing anything. Built by busy.sh:
 *   cc -O2 ical-parse.c $(pkg-config --cflags --libs libical glib-2.0)
 */
#include <glib.h>
#include <libical/ical.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    icalcomponent *cal;

    if (argc != 2) {
        fprintf(stderr, "usage: ical-parse FILE\n");
        return 2;
    }
    if (!g_file_get_contents(argv[1], &text, NULL, &error)) {
        fprintf(stderr, "ical-parse: %s\n", error->message);
        return 1;
    }
    cal = icalparser_parse_string(text);
    if (cal == NULL) {
        fprintf(stderr, "ical-parse: no calendar\n");
        return 1;
    }
    printf("%d components\n", icalcomponent_count_components(cal, ICAL_ANY_COMPONENT));
    icalcomponent_free(cal);
    return 0;
}
