#include "encode.h"

#include <stdio.h>
#include <string.h>

/* A minimal streaming JSON writer: it remembers per nesting level whether a comma is
 * due, so the encoder below reads like the document it writes. */
struct json_writer {
    struct outbuf *out;
    bool first[8];
    int depth;
};

static void separator(struct json_writer *w, const char *key)
{
    if (w->depth > 0 && !w->first[w->depth])
        outbuf_append(w->out, ",", 1);
    w->first[w->depth] = false;
    if (key != NULL) {
        outbuf_append_json_string(w->out, slice_from_cstr(key));
        outbuf_append(w->out, ":", 1);
    }
}

static void open_scope(struct json_writer *w, const char *key, const char *bracket)
{
    separator(w, key);
    outbuf_append_cstr(w->out, bracket);
    w->first[++w->depth] = true;
}

static void close_scope(struct json_writer *w, const char *bracket)
{
    outbuf_append_cstr(w->out, bracket);
    w->depth--;
}

static void put_string(struct json_writer *w, const char *key, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return;
    separator(w, key);
    outbuf_append_json_string(w->out, slice_from_cstr(value));
}

static void put_int(struct json_writer *w, const char *key, int64_t value)
{
    separator(w, key);
    outbuf_append_int(w->out, value);
}

static void put_double(struct json_writer *w, const char *key, double value)
{
    char text[32];
    separator(w, key);
    outbuf_append(w->out, text, (size_t)snprintf(text, sizeof(text), "%.5f", value));
}

static void put_micros(struct json_writer *w, const char *key, int64_t micros)
{
    separator(w, key);
    outbuf_append_micros(w->out, micros);
}

static void put_string_array(struct json_writer *w, const char *key, const char *const *values,
                             int count)
{
    open_scope(w, key, "[");
    for (int i = 0; i < count; i++)
        put_string(w, NULL, values[i]);
    close_scope(w, "]");
}

/* ---- objects ----------------------------------------------------------------- */

static void put_imp(struct json_writer *w, const struct synthetic_imp *imp)
{
    open_scope(w, NULL, "{");
    put_string(w, "id", imp->id);
    put_string(w, "tagid", imp->tagid);
    if (imp->video) {
        static const char *const mimes[] = {"video/mp4", "video/webm"};
        open_scope(w, "video", "{");
        put_string_array(w, "mimes", mimes, 2);
        put_int(w, "minduration", 5);
        put_int(w, "maxduration", 30);
        put_int(w, "w", imp->w);
        put_int(w, "h", imp->h);
        put_int(w, "placement", 1);
        put_int(w, "pos", imp->pos);
        close_scope(w, "}");
    } else {
        open_scope(w, "banner", "{");
        put_int(w, "w", imp->w);
        put_int(w, "h", imp->h);
        open_scope(w, "format", "[");
        for (int i = 0; i < imp->format_count; i++) {
            open_scope(w, NULL, "{");
            put_int(w, "w", imp->formats[i][0]);
            put_int(w, "h", imp->formats[i][1]);
            close_scope(w, "}");
        }
        close_scope(w, "]");
        put_int(w, "pos", imp->pos);
        close_scope(w, "}");
    }
    if (imp->bidfloor_micros > 0) {
        put_micros(w, "bidfloor", imp->bidfloor_micros);
        put_string(w, "bidfloorcur", imp->bidfloorcur);
    }
    put_int(w, "secure", 1);
    close_scope(w, "}");
}

static void put_publisher(struct json_writer *w, const struct synthetic_request *r)
{
    open_scope(w, "publisher", "{");
    put_string(w, "id", r->publisher_id);
    put_string(w, "name", r->publisher_name);
    close_scope(w, "}");
}

static void put_inventory(struct json_writer *w, const struct synthetic_request *r)
{
    open_scope(w, r->is_app ? "app" : "site", "{");
    put_string(w, "id", r->inventory_id);
    put_string(w, "name", r->name);
    put_string(w, r->is_app ? "bundle" : "domain", r->is_app ? r->bundle : r->domain);
    put_string(w, r->is_app ? "storeurl" : "page", r->is_app ? r->storeurl : r->page);
    if (r->is_app)
        put_string(w, "domain", r->domain);
    put_string_array(w, "cat", r->cat, r->cat_count);
    put_publisher(w, r);
    close_scope(w, "}");
}

static void put_geo(struct json_writer *w, const struct synthetic_geo *geo)
{
    open_scope(w, "geo", "{");
    if (geo->has_point) {
        put_double(w, "lat", geo->lat);
        put_double(w, "lon", geo->lon);
        if (geo->accuracy_m > 0)
            put_int(w, "accuracy", geo->accuracy_m);
    }
    put_int(w, "type", geo->type);
    put_string(w, "country", geo->country);
    put_string(w, "region", geo->region);
    put_string(w, "city", geo->city);
    if (geo->utcoffset_min != 0)
        put_int(w, "utcoffset", geo->utcoffset_min);
    close_scope(w, "}");
}

static void put_device(struct json_writer *w, const struct synthetic_request *r)
{
    open_scope(w, "device", "{");
    put_string(w, "ua", r->ua);
    put_string(w, "ip", r->ip);
    if (r->geo.present)
        put_geo(w, &r->geo);
    put_int(w, "devicetype", r->devicetype);
    put_string(w, "make", r->make);
    put_string(w, "model", r->model);
    put_string(w, "os", r->os);
    put_string(w, "osv", r->osv);
    put_int(w, "w", r->device_w);
    put_int(w, "h", r->device_h);
    put_string(w, "language", r->language);
    put_int(w, "connectiontype", r->connectiontype);
    if (r->has_ifa)
        put_string(w, "ifa", r->ifa);
    put_int(w, "lmt", r->lmt);
    close_scope(w, "}");
}

static void put_user(struct json_writer *w, const struct synthetic_request *r)
{
    open_scope(w, "user", "{");
    put_string(w, "id", r->user_id);
    put_string(w, "buyeruid", r->buyeruid);
    if (r->yob > 0)
        put_int(w, "yob", r->yob);
    put_string(w, "gender", r->gender);
    put_string(w, "consent", r->consent);
    if (r->segment_count > 0) {
        open_scope(w, "data", "[");
        open_scope(w, NULL, "{");
        put_string(w, "id", "dmp-7");
        put_string(w, "name", "audience-dmp.example");
        open_scope(w, "segment", "[");
        for (int i = 0; i < r->segment_count; i++) {
            char id[16];
            snprintf(id, sizeof(id), "aud-%d", r->segments[i]);
            open_scope(w, NULL, "{");
            put_string(w, "id", id);
            close_scope(w, "}");
        }
        close_scope(w, "]");
        close_scope(w, "}");
        close_scope(w, "]");
    }
    close_scope(w, "}");
}

static void put_regs_and_source(struct json_writer *w, const struct synthetic_request *r)
{
    open_scope(w, "regs", "{");
    put_int(w, "coppa", 0);
    put_int(w, "gdpr", r->gdpr);
    put_string(w, "us_privacy", r->us_privacy);
    close_scope(w, "}");
    open_scope(w, "source", "{");
    put_string(w, "tid", r->tid);
    open_scope(w, "ext", "{");
    open_scope(w, "schain", "{");
    put_string(w, "ver", "1.0");
    put_int(w, "complete", 1);
    open_scope(w, "nodes", "[");
    open_scope(w, NULL, "{");
    put_string(w, "asi", "exchange.example");
    put_string(w, "sid", r->publisher_id);
    put_int(w, "hp", 1);
    close_scope(w, "}");
    close_scope(w, "]");
    close_scope(w, "}");
    close_scope(w, "}");
    close_scope(w, "}");
}

void encode_json(const struct synthetic_request *r, struct outbuf *out)
{
    struct json_writer w = {.out = out};
    open_scope(&w, NULL, "{");
    put_string(&w, "id", r->id);
    put_int(&w, "at", 1);
    put_int(&w, "tmax", r->tmax_ms);
    put_string_array(&w, "cur", r->cur, r->cur_count);
    open_scope(&w, "imp", "[");
    for (int i = 0; i < r->imp_count; i++)
        put_imp(&w, &r->imps[i]);
    close_scope(&w, "]");
    put_inventory(&w, r);
    put_device(&w, r);
    if (r->has_user)
        put_user(&w, r);
    put_regs_and_source(&w, r);
    close_scope(&w, "}");
}
