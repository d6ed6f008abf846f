/*
 * tcp_tune - the socket options libmilter does not set, for every
 * program linked with libmilter.a and -Wl,--wrap=accept,--wrap=read
 * (dlp-milter, and tests/bench/null_milter.c, the bench's floor).
 *
 * It owns nothing: two wrappers around libmilter's own calls. Neither
 * looks at the bytes read; neither can fail the call it wraps.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * libmilter answers the end of a message in several small writes (a
 * header to add, then the verdict); with Nagle's algorithm on, the
 * second waits for the MTA's delayed ACK of the first, some 40 ms per
 * message on loopback. Its accept() comes here (-Wl,--wrap=accept) and
 * every MTA connection gets TCP_NODELAY (a unix socket refuses the
 * option, harmlessly).
 */
int __real_accept(int fd, struct sockaddr *sa, socklen_t *len);
int __wrap_accept(int fd, struct sockaddr *sa, socklen_t *len);

int
__wrap_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int one = 1, s = __real_accept(fd, sa, len);

	if (s >= 0)
		(void)setsockopt(
		    s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return s;
}

/*
 * The other half of the same stall: with the no-reply steps negotiated,
 * the MTA writes header and body packets without waiting for us, and
 * Postfix leaves Nagle on, so its last small packet (end of message)
 * waits for our ACK, which Linux delays by up to 40 ms. libmilter's
 * read()s come here (-Wl,--wrap=read; it reads nothing but its sockets)
 * and ask for the ACK at once (TCP_QUICKACK, which the kernel clears
 * again by itself; refused harmlessly on a unix socket).
 */
ssize_t __real_read(int fd, void *buf, size_t len);
ssize_t __wrap_read(int fd, void *buf, size_t len);

ssize_t
__wrap_read(int fd, void *buf, size_t len)
{
	int one = 1, saved;
	ssize_t r = __real_read(fd, buf, len);

	if (r > 0) {
		saved = errno;
		(void)setsockopt(
		    fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		errno = saved;
	}
	return r;
}
