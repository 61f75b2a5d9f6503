#include "target.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>

/* Splits "HOST:PORT" or "[V6]:PORT" (port defaults to 80) into host and port. */
static int split_authority(const char *authority, size_t len, char *host, size_t host_size,
                           char *port, size_t port_size, struct error *err)
{
    const char *end = authority + len, *colon = NULL;
    const char *host_start = authority, *host_end;
    if (len > 0 && authority[0] == '[') {
        host_start = authority + 1;
        host_end = memchr(authority, ']', len);
        if (host_end == NULL)
            return error_format(err, "--url: unterminated [IPv6] host");
        colon = host_end + 1 < end && host_end[1] == ':' ? host_end + 1 : NULL;
    } else {
        colon = memchr(authority, ':', len);
        host_end = colon ? colon : end;
    }
    size_t host_len = (size_t)(host_end - host_start);
    size_t port_len = colon ? (size_t)(end - colon - 1) : 2;
    if (host_len == 0 || host_len >= host_size || port_len == 0 || port_len >= port_size)
        return error_format(err, "--url: bad host or port");
    memcpy(host, host_start, host_len);
    host[host_len] = '\0';
    snprintf(port, port_size, "%.*s", (int)port_len, colon ? colon + 1 : "80");
    return 0;
}

static int resolve(const char *host, const char *port, struct target *out, struct error *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *found;
    int rc = getaddrinfo(host, port, &hints, &found);
    if (rc != 0)
        return error_format(err, "--url: %s: %s", host, gai_strerror(rc));
    memcpy(&out->addr, found->ai_addr, found->ai_addrlen);
    out->addr_len = found->ai_addrlen;
    freeaddrinfo(found);
    return 0;
}

int target_parse(const char *url, struct target *out, struct error *err)
{
    static const char scheme[] = "http://";
    if (strncmp(url, scheme, sizeof(scheme) - 1) != 0)
        return error_format(err, "--url: only http:// URLs are supported: %s", url);
    const char *authority = url + sizeof(scheme) - 1;
    size_t authority_len = strcspn(authority, "/?#");
    if (authority_len >= sizeof(out->authority) || memchr(authority, '@', authority_len))
        return error_format(err, "--url: bad host: %s", url);
    const char *path = authority + authority_len;
    if (strchr(path, '#') != NULL || strlen(path) + 2 > sizeof(out->path))
        return error_format(err, "--url: bad path: %s", url);
    snprintf(out->authority, sizeof(out->authority), "%.*s", (int)authority_len, authority);
    snprintf(out->path, sizeof(out->path), "%s%s", path[0] == '/' ? "" : "/", path);
    char host[256], port[8];
    if (split_authority(authority, authority_len, host, sizeof(host), port, sizeof(port),
                        err) != 0)
        return -1;
    return resolve(host, port, out, err);
}
