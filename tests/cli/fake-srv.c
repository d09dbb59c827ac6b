/* fake-srv.c: LD_PRELOAD for tests/cli/test_init.py only. Answers every
 * _caldavs._tcp SRV query with one record, $NY_FAKE_SRV ("TARGET PORT"),
 * and every other query with "no such name", so `notyet init` finds a
 * server by DNS SRV without asking the machine's DNS. */
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* @name as DNS labels at @out; its length, or -1 when it does not fit. */
static int
put_name(const char *name, unsigned char *out, int room)
{
    int n = 0;

    while (*name != '\0') {
        const char *dot = strchr(name, '.');
        int len = dot != NULL ? (int)(dot - name) : (int)strlen(name);

        if (len == 0 || len > 63 || n + 1 + len >= room)
            return -1;
        out[n++] = (unsigned char)len;
        memcpy(out + n, name, (size_t)len);
        n += len;
        name += len + (dot != NULL);
    }
    out[n++] = 0;
    return n;
}

static void
put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static int
answer(const char *dname, int class, int type, unsigned char *buf, int len)
{
    const char *fake = getenv("NY_FAKE_SRV");
    char target[256];
    unsigned port;
    int n;
    int q;
    int t;

    if (fake == NULL || type != ns_t_srv || strncmp(dname, "_caldavs._tcp.", 14) != 0 ||
        sscanf(fake, "%255s %u", target, &port) != 2 || len < 512) {
        h_errno = HOST_NOT_FOUND;
        return -1;
    }
    memset(buf, 0, 12);
    put16(buf + 2, 0x8180); /* a response, recursion desired and available */
    put16(buf + 4, 1);      /* one question */
    put16(buf + 6, 1);      /* one answer */
    n = 12;
    q = put_name(dname, buf + n, len - n - 4);
    if (q < 0)
        return -1;
    n += q;
    put16(buf + n, (unsigned)type);
    put16(buf + n + 2, (unsigned)class);
    n += 4;
    put16(buf + n, 0xc00c); /* the question's name */
    put16(buf + n + 2, (unsigned)type);
    put16(buf + n + 4, (unsigned)class);
    memset(buf + n + 6, 0, 3);
    buf[n + 9] = 60;       /* TTL */
    n += 12;               /* and the length, set below */
    put16(buf + n, 0);     /* priority */
    put16(buf + n + 2, 0); /* weight */
    put16(buf + n + 4, port);
    t = put_name(target, buf + n + 6, len - n - 6);
    if (t < 0)
        return -1;
    put16(buf + n - 2, (unsigned)(6 + t));
    return n + 6 + t;
}

int
res_nquery(res_state state, const char *dname, int class, int type, unsigned char *buf, int len)
{
    (void)state;
    return answer(dname, class, type, buf, len);
}

int
res_query(const char *dname, int class, int type, unsigned char *buf, int len)
{
    return answer(dname, class, type, buf, len);
}
