// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tap side of nvgre-vmq tap (loader/vmq_tap.h): virtio_net_hdr <->
 * nvgre_vmq frame translation, frame I/O on the tap fd, tap device setup.
 * Nothing here calls libnvgre-vmq, so the unit tests link it alone.
 *
 * Why received GSO frames are segmented here rather than written to the
 * tap as one GSO frame: a GSO write needs NEEDS_CSUM, that is an L4
 * checksum field holding the pseudo-header sum, and the software channel
 * only promises that when csum_partial is set; a GRO-built frame, for
 * instance, arrives with its checksums complete.  nvgre_segment computes
 * every checksum of every segment whatever the input held, so its output
 * is right in all cases, at the cost of the copy.
 *
 * DATA_VALID on a write is a hint: a tap ignores it (tried on Linux 6.18:
 * a bad TCP checksum written with DATA_VALID still counts in
 * TcpInCsumErrors and is dropped), while a virtio guest behind a VM backend
 * would skip its own check.  So it is only ever set when the data path
 * found the checksum good.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <net/if_arp.h>
#include <linux/if_tun.h>

#include <nvgre/bytes.h>
#include <nvgre/maps.h>
#include <nvgre/segment.h>
#include <nvgre/wire.h>
#include "vmq_tap.h"

/* ---- translation -------------------------------------------------------- */

int vmq_tap_rx_hdr(const struct nvgre_vmq_frame *f, struct virtio_net_hdr_v1 *h,
		   const char **why)
{
	memset(h, 0, sizeof(*h));
	if (f->gso_size) {
		if (f->gso_type != NVGRE_SW_GSO_TCP && f->gso_type != NVGRE_SW_GSO_UDP) {
			*why = "unknown software-channel gso_type";
			return -EINVAL;
		}
		h->flags = VIRTIO_NET_HDR_F_DATA_VALID;
		return VMQ_TAP_RX_SEGMENT;
	}
	if (f->csum_partial) {
		/* the kernel would refuse the write (skb_partial_csum_set) */
		if (f->csum_start < NV_ETH_HLEN ||
		    (__u32)f->csum_start + f->csum_offset + 2 > f->len) {
			*why = "csum_start/csum_offset outside the frame";
			return -EINVAL;
		}
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = htole16(f->csum_start);
		h->csum_offset = htole16(f->csum_offset);
		return VMQ_TAP_RX_WRITE;
	}
	/* DATA_VALID vouches for the L4 checksum; never with a bad IPv4 header */
	if (NVGRE_CSUM_L4(f->meta.csum) == NVGRE_CSUM_OK &&
	    NVGRE_CSUM_IP(f->meta.csum) != NVGRE_CSUM_BAD)
		h->flags = VIRTIO_NET_HDR_F_DATA_VALID;
	return VMQ_TAP_RX_WRITE;
}

int vmq_tap_tx_req(const struct virtio_net_hdr_v1 *h, const __u8 *frame, size_t len,
		   struct nvgre_vmq_tx *tx, const char **why)
{
	unsigned int gso = h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	unsigned int mss = le16toh(h->gso_size);
	__u32 flags = 0;
	__u16 proto;

	memset(tx, 0, sizeof(*tx));
	if (len < NV_ETH_HLEN) {
		*why = "shorter than an Ethernet header";
		return -EINVAL;
	}
	proto = nv_get16(frame + 12);
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		size_t start = le16toh(h->csum_start), off = le16toh(h->csum_offset);

		if (start < NV_ETH_HLEN || start + off + 2 > len) {
			*why = "NEEDS_CSUM with csum_start/csum_offset outside the frame";
			return -EINVAL;
		}
		flags |= NVGRE_VMQ_TX_CSUM;
	}
	if (h->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		tx->flags = flags;
		return 0;
	}
	switch (gso) {		/* the ECN bit alone falls to default, as in the kernel */
	case VIRTIO_NET_HDR_GSO_TCPV4:
		if (proto != NV_ETH_P_IP) {
			*why = "GSO_TCPV4 on a frame that is not IPv4";
			return -EINVAL;
		}
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (proto != NV_ETH_P_IPV6) {
			*why = "GSO_TCPV6 on a frame that is not IPv6";
			return -EINVAL;
		}
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		if (proto != NV_ETH_P_IP && proto != NV_ETH_P_IPV6) {
			*why = "GSO_UDP_L4 on a frame that is neither IPv4 nor IPv6";
			return -EINVAL;
		}
		break;
	case VIRTIO_NET_HDR_GSO_UDP:
		*why = "GSO_UDP (UFO: IP fragmentation) is not supported";
		return -EINVAL;
	default:
		*why = "unknown gso_type";
		return -EINVAL;
	}
	if (mss == 0 || mss > NVGRE_SEG_MSS_MAX) {
		*why = "GSO with gso_size 0 or above the largest MSS";
		return -EINVAL;
	}
	/* GSO implies NEEDS_CSUM; segmenting completes every checksum anyway */
	tx->flags = flags | NVGRE_VMQ_TX_SEGMENT | NVGRE_VMQ_TX_CSUM;
	tx->mss = mss;
	return 0;
}

/* ---- frame I/O ---------------------------------------------------------- */

static int write_frame(int fd, const struct virtio_net_hdr_v1 *h, const void *data, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)h, .iov_len = sizeof(*h) },
		{ .iov_base = (void *)data, .iov_len = len },
	};
	ssize_t n;

	do {
		n = writev(fd, iov, 2);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(*h) + len ? 0 : -EIO;
}

struct seg_ctx {
	int fd;
	const struct virtio_net_hdr_v1 *h;
	int written;
};

static int emit_segment(const __u8 *seg, size_t len, void *ctx)
{
	struct seg_ctx *c = ctx;
	int err = write_frame(c->fd, c->h, seg, len);

	if (!err)
		c->written++;
	return err;
}

int vmq_tap_put(int fd, const struct nvgre_vmq_frame *f, const char **why)
{
	struct virtio_net_hdr_v1 h;
	struct seg_ctx c = { .fd = fd, .h = &h };
	int ret;

	*why = NULL;
	ret = vmq_tap_rx_hdr(f, &h, why);
	if (ret < 0)
		return ret;
	if (ret == VMQ_TAP_RX_WRITE) {
		ret = write_frame(fd, &h, f->data, f->len);
		return ret ? ret : 1;
	}
	ret = nvgre_segment(f->data, f->len, f->gso_size, emit_segment, &c);
	if (ret == -EINVAL && !c.written)
		*why = "the segmenter refused the GSO frame";
	return ret < 0 ? ret : c.written;
}

int vmq_tap_get(int fd, __u8 *buf, size_t cap, const __u8 **frame, size_t *len,
		struct nvgre_vmq_tx *tx, const char **why)
{
	struct virtio_net_hdr_v1 h;
	ssize_t n;

	do {
		n = read(fd, buf, cap);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? VMQ_TAP_NONE : -errno;
	if (n < VMQ_TAP_HDR_LEN) {
		*why = "shorter than its virtio_net_hdr";
		return VMQ_TAP_REFUSED;
	}
	if ((size_t)n >= cap) {
		*why = "longer than the read buffer";
		return VMQ_TAP_REFUSED;
	}
	memcpy(&h, buf, sizeof(h));
	*frame = buf + VMQ_TAP_HDR_LEN;
	*len = n - VMQ_TAP_HDR_LEN;
	return vmq_tap_tx_req(&h, *frame, *len, tx, why) ? VMQ_TAP_REFUSED : VMQ_TAP_FRAME;
}

/* ---- the tap device ------------------------------------------------------ */

static int __attribute__((format(printf, 4, 5)))
tap_fail(int err, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, ": %s", strerror(-err));
	return err;
}

/* MTU, MAC and IFF_UP through an ordinary socket's interface ioctls. */
static int tap_link_setup(struct vmq_tap_dev *t, int mtu, const __u8 *mac, char *err,
			  size_t errlen)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (s < 0)
		return tap_fail(-errno, err, errlen, "tap %s: socket", t->ifname);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, t->ifname, IFNAMSIZ);
	ifr.ifr_mtu = mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr)) {
		ret = tap_fail(-errno, err, errlen, "tap %s: setting MTU %d", t->ifname, mtu);
		goto out;
	}
	if (mac) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
		if (ioctl(s, SIOCSIFHWADDR, &ifr)) {
			ret = tap_fail(-errno, err, errlen, "tap %s: setting MAC", t->ifname);
			goto out;
		}
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ret = tap_fail(-errno, err, errlen, "tap %s: SIOCGIFFLAGS", t->ifname);
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		ret = tap_fail(-errno, err, errlen, "tap %s: setting it up", t->ifname);
out:
	close(s);
	return ret;
}

int vmq_tap_open(const char *ifname, int mtu, const __u8 *mac, struct vmq_tap_dev *t,
		 char *err, size_t errlen)
{
	const unsigned int base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	struct ifreq ifr;
	int hdr_len = VMQ_TAP_HDR_LEN, le = 1, ret;

	memset(t, 0, sizeof(*t));
	if (strlen(ifname) >= IFNAMSIZ) {
		snprintf(err, errlen, "tap %s: name longer than %d characters", ifname,
			 IFNAMSIZ - 1);
		return -EINVAL;
	}
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0)
		return tap_fail(-errno, err, errlen, "tap %s: /dev/net/tun", ifname);
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(t->fd, TUNSETIFF, &ifr)) {
		ret = tap_fail(-errno, err, errlen,
			       "tap %s: TUNSETIFF (a tun device, or a tap owned by another user?)",
			       ifname);
		goto fail;
	}
	memcpy(t->ifname, ifr.ifr_name, IFNAMSIZ);
	t->ifname[IFNAMSIZ - 1] = 0;
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr_len)) {
		ret = tap_fail(-errno, err, errlen, "tap %s: TUNSETVNETHDRSZ %d", ifname, hdr_len);
		goto fail;
	}
	/* virtio 1.0 byte order; the same as native on little-endian hosts */
	if (ioctl(t->fd, TUNSETVNETLE, &le)) {
		ret = tap_fail(-errno, err, errlen, "tap %s: TUNSETVNETLE", ifname);
		goto fail;
	}
	/* USO came with Linux 6.2; older kernels refuse unknown bits (EINVAL) */
	t->offloads = base | TUN_F_USO4 | TUN_F_USO6;
	if (ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)t->offloads)) {
		t->offloads = base;
		if (ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)t->offloads)) {
			ret = tap_fail(-errno, err, errlen, "tap %s: TUNSETOFFLOAD", ifname);
			goto fail;
		}
	}
	ret = tap_link_setup(t, mtu, mac, err, errlen);
	if (ret)
		goto fail;
	return 0;
fail:
	close(t->fd);
	t->fd = -1;
	return ret;
}
