/*
 * net.c: accept connections on every listen address and hand each to a
 * new client, through TLS when a certificate is configured. Past
 * max_connections a plain connection gets a short 503; a TLS one is closed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cfg.h"
#include "client.h"
#include "log.h"
#include "net.h"
#include "xmalloc.h"

static struct evconnlistener **listeners;
static int nlisteners;
static SSL_CTX *tls_ctx;	/* current context; live SSLs hold their own reference */

static void
tls_log_errors(const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof buf);
		log_error("%s: %s", what, buf);
	}
}

int
net_tls_load(const struct config *c)
{
	SSL_CTX *ctx;

	if (c->tls_cert[0] == '\0') {
		if (tls_ctx != NULL)
			SSL_CTX_free(tls_ctx);
		tls_ctx = NULL;
		return 0;
	}
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_log_errors("SSL_CTX_new");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* TLS 1.2 suites; TLS 1.3 keeps OpenSSL's, all of which are ECDHE or DHE with AEAD. */
	if (SSL_CTX_set_cipher_list(ctx, c->tls_ciphers) != 1) {
		tls_log_errors("tls_ciphers");
		log_error("tls_ciphers: no usable cipher in '%s'", c->tls_ciphers);
		SSL_CTX_free(ctx);
		return -1;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1) {
		tls_log_errors(c->tls_cert);
		SSL_CTX_free(ctx);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_log_errors(c->tls_key);
		SSL_CTX_free(ctx);
		return -1;
	}
	if (tls_ctx != NULL)
		SSL_CTX_free(tls_ctx);
	tls_ctx = ctx;
	log_info("TLS certificate loaded from %s", c->tls_cert);
	return 0;
}

static void
refuse_full(evutil_socket_t fd)
{
	static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\n"
	    "Retry-After: 10\r\nConnection: close\r\n\r\nserver full\n";

	/* Best effort on a fresh non-blocking socket: the buffer is empty, so it fits. */
	if (tls_ctx == NULL && write(fd, msg, sizeof msg - 1) < 0)
		log_debug("cannot send 503: %s", strerror(errno));
	shutdown(fd, SHUT_WR);
	close(fd);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct event_base *base = evconnlistener_get_base(l);
	struct bufferevent *bev;
	char addr[INET6_ADDRSTRLEN];
	int one = 1;
	SSL *ssl;

	addr[0] = '\0';
	if (sa->sa_family == AF_INET)
		evutil_inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
	else if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		/* Show IPv4 peers on a dual-stack socket as IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			evutil_inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], addr, sizeof addr);
		else
			evutil_inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
	}
	if (client_count >= cfg->max_connections) {
		log_notice("%s: refused: max_connections (%d) reached", addr, cfg->max_connections);
		refuse_full(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (tls_ctx != NULL) {
		if ((ssl = SSL_new(tls_ctx)) == NULL) {
			tls_log_errors("SSL_new");
			close(fd);
			return;
		}
		bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE);
		if (bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else
		bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_error("%s: cannot create a bufferevent", addr);
		close(fd);
		return;
	}
	client_new(bev, addr, tls_ctx != NULL);
}

static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();

	/* Out of descriptors: say so, and keep listening; clients will go away. */
	log_error("accept: %s", evutil_socket_error_to_string(err));
}

static int
listen_one(struct event_base *base, const struct sockaddr *sa, socklen_t salen, const char *desc)
{
	struct evconnlistener *l;
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
	char buf[INET6_ADDRSTRLEN + 16], host[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (sa->sa_family == AF_INET6 &&
	    !IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr))
		flags |= LEV_OPT_BIND_IPV6ONLY;
	l = evconnlistener_new_bind(base, accept_cb, NULL, flags, 1024, sa, (int)salen);
	if (l == NULL) {
		log_error("cannot listen on %s: %s", desc, strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(l, accept_error_cb);
	listeners = xreallocarray(listeners, (size_t)nlisteners + 1, sizeof *listeners);
	listeners[nlisteners++] = l;
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			evutil_inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
			snprintf(buf, sizeof buf, "[%s]:%d", host, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
		} else {
			evutil_inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
			snprintf(buf, sizeof buf, "%s:%d", host, ntohs(((struct sockaddr_in *)&ss)->sin_port));
		}
		log_notice("listening on %s (%s)", buf, tls_ctx != NULL ? "https, wss" : "http, ws");
	}
	return 0;
}

int
net_start(struct event_base *base, const struct config *c)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_in6 any6;
	struct sockaddr_in any4;
	char port[8], desc[300];
	int i, rc;

	if (net_tls_load(c) != 0)
		return -1;
	for (i = 0; i < c->nlisten; i++) {
		snprintf(port, sizeof port, "%d", c->listen[i].port);
		snprintf(desc, sizeof desc, "%s:%d", c->listen[i].host, c->listen[i].port);
		if (c->listen[i].host[0] == '\0') {
			/* Every address: one dual-stack socket, or IPv4 alone without IPv6. */
			memset(&any6, 0, sizeof any6);
			any6.sin6_family = AF_INET6;
			any6.sin6_port = htons((uint16_t)c->listen[i].port);
			if (listen_one(base, (struct sockaddr *)&any6, sizeof any6, desc) == 0)
				continue;
			memset(&any4, 0, sizeof any4);
			any4.sin_family = AF_INET;
			any4.sin_port = htons((uint16_t)c->listen[i].port);
			if (listen_one(base, (struct sockaddr *)&any4, sizeof any4, desc) != 0)
				return -1;
			continue;
		}
		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		if ((rc = getaddrinfo(c->listen[i].host, port, &hints, &res)) != 0) {
			log_error("cannot resolve listen address %s: %s", desc, gai_strerror(rc));
			return -1;
		}
		for (ai = res; ai != NULL; ai = ai->ai_next)
			if (listen_one(base, ai->ai_addr, ai->ai_addrlen, desc) != 0) {
				freeaddrinfo(res);
				return -1;
			}
		freeaddrinfo(res);
	}
	return 0;
}

void
net_stop(void)
{
	int i;

	for (i = 0; i < nlisteners; i++)
		evconnlistener_free(listeners[i]);
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
}
