/* multistatus.c: 207 Multi-Status parsing with libxml2, hardened.
 *
 * libxml2 2.9.14 has no XML_PARSE_NO_XXE and no amplification setting, so
 * (doc/sync-and-cache.md, "XML"): options XML_PARSE_NONET only (never NOENT,
 * DTDLOAD, HUGE or RECOVER), a SAX hook that stops the parser at a DOCTYPE
 * (DAV responses never need one; it is where billion laughs and external
 * entities live), an external entity loader that refuses everything, and
 * any parser error fatal even when a document came back (a huge text node
 * with character references is truncated silently otherwise).
 */
#include "notyet/multistatus.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <string.h>

G_DEFINE_QUARK(ny_multistatus_error, ny_multistatus_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

#define NS_DAV "DAV:"
#define NS_CALDAV "urn:ietf:params:xml:ns:caldav"
#define NS_CS "http://calendarserver.org/ns/"
#define NS_APPLE "http://apple.com/ns/ical/"

static xmlParserInputPtr
refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

/* libxml2 2.9.14 reports some errors (xmlSAX2Characters: huge text node)
 * through the generic error function whatever XML_PARSE_NOERROR says, and
 * the default one prints the offending line of the server's answer on
 * stderr. The error is read from the context instead. */
static void
ignore_generic_error(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void
install_loader(void)
{
    static gsize done = 0;

    if (g_once_init_enter(&done)) {
        /* Before any thread parses (caldav syncs calendars in parallel). */
        xmlInitParser();
        xmlSetExternalEntityLoader(refuse_entity);
        g_once_init_leave(&done, 1);
    }
}

/* Marks ctxt->_private when the parse stopped at a DOCTYPE. */
static char doctype_marker;

/* SAX internalSubset: any <!DOCTYPE> stops the parse before its entity
 * declarations are read. */
static void
refuse_doctype(void *user, const xmlChar *name, const xmlChar *external_id,
               const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = user;

    (void)name;
    (void)external_id;
    (void)system_id;
    ctxt->_private = &doctype_marker;
    xmlStopParser(ctxt);
}

static void
response_free(gpointer data)
{
    NyDavResponse *r = data;

    g_free(r->href);
    g_free(r->displayname);
    g_free(r->color);
    g_free(r->ctag);
    g_free(r->sync_token);
    g_free(r->etag);
    g_free(r->calendar_data);
    g_free(r->current_user_principal);
    g_free(r->calendar_home_set);
    g_free(r);
}

void
ny_multistatus_free(NyMultistatus *ms)
{
    if (ms == NULL)
        return;
    g_ptr_array_unref(ms->responses);
    g_free(ms->sync_token);
    g_free(ms);
}

guint
ny_dav_status_parse(const char *text)
{
    const char *p;
    guint code = 0;

    if (text == NULL)
        return 0;
    while (g_ascii_isspace(*text))
        text++;
    if (!g_str_has_prefix(text, "HTTP/"))
        return 0;
    p = strchr(text, ' ');
    if (p == NULL)
        return 0;
    p++;
    for (int i = 0; i < 3; i++) {
        if (!g_ascii_isdigit(p[i]))
            return 0;
        code = code * 10 + (guint)(p[i] - '0');
    }
    if (p[3] != '\0' && !g_ascii_isspace(p[3]))
        return 0;
    return code;
}

static gboolean
is_el(const xmlNode *node, const char *ns, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns != NULL && node->ns->href != NULL &&
           strcmp((const char *)node->ns->href, ns) == 0 &&
           strcmp((const char *)node->name, name) == 0;
}

static const xmlNode *
child_el(const xmlNode *node, const char *ns, const char *name)
{
    for (const xmlNode *c = node->children; c != NULL; c = c->next) {
        if (is_el(c, ns, name))
            return c;
    }
    return NULL;
}

/* Text of an element, copied into g-memory. */
static char *
text_of(const xmlNode *node, gboolean strip)
{
    xmlChar *content = xmlNodeGetContent(node);
    char *copy = g_strdup(content ? (const char *)content : "");

    xmlFree(content);
    return strip ? g_strstrip(copy) : copy;
}

static char *
href_in(const xmlNode *node)
{
    const xmlNode *href = child_el(node, NS_DAV, "href");

    return href ? text_of(href, TRUE) : NULL;
}

static void
read_prop(NyDavResponse *r, const xmlNode *p)
{
    if (is_el(p, NS_DAV, "resourcetype")) {
        r->is_collection = child_el(p, NS_DAV, "collection") != NULL;
        r->is_calendar = child_el(p, NS_CALDAV, "calendar") != NULL;
        r->is_principal = child_el(p, NS_DAV, "principal") != NULL;
    } else if (is_el(p, NS_DAV, "displayname")) {
        g_free(r->displayname);
        r->displayname = text_of(p, TRUE);
    } else if (is_el(p, NS_APPLE, "calendar-color")) {
        g_free(r->color);
        r->color = text_of(p, TRUE);
    } else if (is_el(p, NS_CS, "getctag")) {
        g_free(r->ctag);
        r->ctag = text_of(p, TRUE);
    } else if (is_el(p, NS_DAV, "sync-token")) {
        g_free(r->sync_token);
        r->sync_token = text_of(p, TRUE);
    } else if (is_el(p, NS_DAV, "getetag")) {
        g_free(r->etag);
        r->etag = text_of(p, TRUE);
    } else if (is_el(p, NS_CALDAV, "calendar-data")) {
        g_free(r->calendar_data);
        r->calendar_data = text_of(p, FALSE);
    } else if (is_el(p, NS_DAV, "current-user-principal")) {
        g_free(r->current_user_principal);
        r->current_user_principal = href_in(p);
    } else if (is_el(p, NS_CALDAV, "calendar-home-set")) {
        g_free(r->calendar_home_set);
        r->calendar_home_set = href_in(p);
    } else if (is_el(p, NS_CALDAV, "supported-calendar-component-set")) {
        r->has_component_set = TRUE;
        for (const xmlNode *c = p->children; c != NULL; c = c->next) {
            if (is_el(c, NS_CALDAV, "comp")) {
                xmlChar *name = xmlGetNoNsProp(c, (const xmlChar *)"name");
                if (name != NULL && g_ascii_strcasecmp((const char *)name, "VEVENT") == 0)
                    r->supports_vevent = TRUE;
                xmlFree(name);
            }
        }
    }
}

static NyDavResponse *
read_response(const xmlNode *node)
{
    NyDavResponse *r = g_new0(NyDavResponse, 1);

    for (const xmlNode *c = node->children; c != NULL; c = c->next) {
        if (is_el(c, NS_DAV, "href") && r->href == NULL) {
            r->href = text_of(c, TRUE);
        } else if (is_el(c, NS_DAV, "status")) {
            g_autofree char *s = text_of(c, TRUE);
            r->status = ny_dav_status_parse(s);
        } else if (is_el(c, NS_DAV, "propstat")) {
            const xmlNode *status = child_el(c, NS_DAV, "status");
            const xmlNode *prop = child_el(c, NS_DAV, "prop");
            guint code = 200;

            /* RFC 4918 14.22: status comes with each propstat, before or
             * after the prop (Xandikos puts it first). */
            if (status != NULL) {
                g_autofree char *s = text_of(status, TRUE);
                code = ny_dav_status_parse(s);
            }
            if (code < 200 || code >= 300) {
                if (code != 404 && r->bad_status == 0)
                    r->bad_status = code ? code : 500;
                continue;
            }
            if (prop == NULL)
                continue;
            for (const xmlNode *p = prop->children; p != NULL; p = p->next)
                read_prop(r, p);
        }
    }
    if (r->href == NULL)
        r->href = g_strdup("");
    return r;
}

NyMultistatus *
ny_multistatus_parse(const char *data, gsize len, GError **error)
{
    g_autoptr(xmlParserCtxt) ctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(NyMultistatus) ms = NULL;
    const xmlNode *root;

    g_return_val_if_fail(data != NULL || len == 0, NULL);

    install_loader();
    if (len == 0) {
        g_set_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID,
                    "empty response where XML was expected");
        return NULL;
    }
    if (len > G_MAXINT) {
        g_set_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID,
                    "XML response too large");
        return NULL;
    }
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        g_set_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_FAILED,
                    "cannot create an XML parser");
        return NULL;
    }
    ctxt->sax->internalSubset = refuse_doctype;
    /* Per thread in libxml2: set on the thread that parses. */
    xmlSetGenericErrorFunc(NULL, ignore_generic_error);
    /* NOERROR/NOWARNING: a library never prints; the error is read below. */
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (ctxt->_private == &doctype_marker || (doc != NULL && doc->intSubset != NULL)) {
        g_set_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID,
                    "XML response with a DOCTYPE refused (entities are not allowed)");
        return NULL;
    }
    if (doc == NULL || !ctxt->wellFormed || ctxt->errNo != 0) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        g_autofree char *msg = g_strdup(e && e->message ? e->message : "not well-formed");

        char *nl;

        /* libxml2 adds lines (the bad bytes): one line, the reason only. */
        g_strstrip(msg);
        nl = strchr(msg, '\n');
        if (nl != NULL)
            *nl = '\0';
        g_strstrip(msg);
        g_set_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID,
                    "invalid XML at line %d: %s", e ? e->line : 0, msg);
        return NULL;
    }
    root = xmlDocGetRootElement(doc);
    if (root == NULL || !is_el(root, NS_DAV, "multistatus")) {
        g_set_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_NOT_DAV,
                    "expected a DAV multistatus, got <%s>",
                    root ? (const char *)root->name : "nothing");
        return NULL;
    }

    ms = g_new0(NyMultistatus, 1);
    ms->responses = g_ptr_array_new_with_free_func(response_free);
    for (const xmlNode *c = root->children; c != NULL; c = c->next) {
        if (is_el(c, NS_DAV, "response")) {
            g_ptr_array_add(ms->responses, read_response(c));
        } else if (is_el(c, NS_DAV, "sync-token")) {
            g_free(ms->sync_token);
            ms->sync_token = text_of(c, TRUE);
        }
    }
    return g_steal_pointer(&ms);
}
