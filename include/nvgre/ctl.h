/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nvgred <-> nvgrectl protocol: one JSON object per line each way over a
 * unix stream socket.
 *
 *   request  {"version": 1, "argv": ["route", "add", "5000", ...]}
 *            route import adds "records": ["5000 02:.. 198.18.0.2", ...] (each
 *            "VSID MAC [IP] PA"; nvgred also takes each as an array of the words)
 *            "output": "text" or "json": what the client shows; route list and
 *            export then build only that (without it: both)
 *   reply    {"version": 1, "ok": true, "result": {...}, "text": "for humans"}
 *            {"version": 1, "ok": false, "status": 2, "error": "why"}
 *            status: 2 bad usage or input, 1 the operation failed.
 *   monitor  after its reply the daemon streams {"event": "...", ...} lines.
 *
 * Either side refuses a version it does not speak, with a clear error.
 */
#ifndef NVGRE_CTL_H
#define NVGRE_CTL_H

#define NVGRE_CTL_VERSION	1

#define NVGRE_DEFAULT_CONFIG	"/etc/nvgre/nvgred.conf"
#define NVGRE_DEFAULT_SOCKET	"/run/nvgre/nvgred.sock"
#define NVGRE_DEFAULT_PIN_DIR	"/sys/fs/bpf/nvgre"
#define NVGRE_DEFAULT_STATE	"/var/lib/nvgre/state.json"

#define NVGRE_EXIT_OK		0
#define NVGRE_EXIT_FAILED	1
#define NVGRE_EXIT_USAGE	2

#endif
