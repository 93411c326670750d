/*
 * A round-trip delay for the venue link without netem (not in this kernel): one TUN device in each of
 * two network namespaces, and this forwarder between them holding every IP packet `one_way_us` in each
 * direction before writing it to the other side (../shared/recipes/shaped-link.md: a faithful RTT
 * emulation, unlike a TCP proxy that delays reads). Packets leave in arrival order (the delay is the
 * same for all), a full queue drops (as a router's would). Prints "ready" once both devices exist and
 * exits when stdin closes, which removes both devices (they are not persistent).
 * Usage: tun-delay <netns-a> <tun-a> <netns-b> <tun-b> <one_way_us>
 * Built by venue-link.ts with `gcc -O2`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 16384 /* per direction: 1 Gbit/s for 10 ms is ~850 packets of 1500 bytes */
#define PACKET 2048 /* MTU 1500 plus room; larger packets are dropped */

struct queue {
  unsigned char (*data)[PACKET];
  int *len;
  long long *due;
  unsigned head, tail; /* head: next to send; tail: next free */
};

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int open_tun_in(const char *netns, const char *name) {
  char path[256];
  snprintf(path, sizeof path, "/var/run/netns/%s", netns);
  int nsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
    fprintf(stderr, "tun-delay: cannot enter %s: %s\n", path, strerror(errno));
    exit(1);
  }
  close(nsfd);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0) {
    fprintf(stderr, "tun-delay: cannot create %s in %s: %s\n", name, netns, strerror(errno));
    exit(1);
  }
  return fd;
}

static void queue_init(struct queue *q) {
  q->data = malloc((size_t)SLOTS * PACKET);
  q->len = malloc(SLOTS * sizeof(int));
  q->due = malloc(SLOTS * sizeof(long long));
  q->head = q->tail = 0;
  if (!q->data || !q->len || !q->due) {
    fprintf(stderr, "tun-delay: out of memory\n");
    exit(1);
  }
}

/* Reads every packet waiting on `from` into `q`, due `delay` from now; drops what does not fit. */
static void take(int from, struct queue *q, long long delay) {
  static unsigned char scratch[65536];
  for (int i = 0; i < 4096; i++) {
    int full = q->tail - q->head == SLOTS;
    unsigned char *buf = full ? scratch : q->data[q->tail % SLOTS];
    ssize_t n = read(from, buf, full ? sizeof scratch : PACKET);
    if (n < 0) return; /* EAGAIN: nothing more now */
    if (full || n >= PACKET) continue;
    q->len[q->tail % SLOTS] = (int)n;
    q->due[q->tail % SLOTS] = now_us() + delay;
    q->tail++;
  }
}

/* Writes every packet of `q` that is due to `to`; returns µs until the next one is (or -1). */
static long long give(int to, struct queue *q) {
  long long t = now_us();
  while (q->head != q->tail) {
    unsigned slot = q->head % SLOTS;
    if (q->due[slot] > t) return q->due[slot] - t;
    if (write(to, q->data[slot], q->len[slot]) < 0 && errno == EAGAIN) return 50;
    q->head++;
  }
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: tun-delay <netns-a> <tun-a> <netns-b> <tun-b> <one_way_us>\n");
    return 2;
  }
  int a = open_tun_in(argv[1], argv[2]);
  int b = open_tun_in(argv[3], argv[4]);
  long long delay = atoll(argv[5]);
  struct queue ab, ba;
  queue_init(&ab);
  queue_init(&ba);
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    long long wait_a = give(b, &ab), wait_b = give(a, &ba);
    long long wait = wait_a < 0 ? wait_b : wait_b < 0 ? wait_a : (wait_a < wait_b ? wait_a : wait_b);
    struct pollfd fds[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {0, POLLIN, 0}};
    struct timespec ts = {wait / 1000000, (wait % 1000000) * 1000};
    if (ppoll(fds, 3, wait < 0 ? NULL : &ts, NULL) < 0 && errno != EINTR) return 1;
    if (fds[2].revents) {
      char c;
      if (read(0, &c, 1) <= 0) return 0; /* stdin closed: the bench is done */
    }
    if (fds[0].revents & POLLIN) take(a, &ab, delay);
    if (fds[1].revents & POLLIN) take(b, &ba, delay);
  }
}
