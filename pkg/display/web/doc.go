// Package web serves do86 machines to browsers: just enough HTTP and
// WebSocket to show a session's screen on a <canvas> (changed 16×16 tiles,
// each solid, raw, palette-packed or palette-run-length, the message body
// deflated as one stream a connection), take its keyboard, mouse and COM1
// text back, and carry RFB for the stock noVNC client. The page is plain
// HTML, CSS and JavaScript embedded in the binary, with no build step.
// PROTOCOL.md describes the messages; it deliberately has no audio, no
// clipboard, no file transfer, and no text-cell mode (text screens go as
// pixels, which its encodings shrink to a few bytes a cell).
//
// New makes the many-session server of `do86 serve`:
//
//	GET  /                      images and running sessions
//	GET  /new?image=NAME        to the page of a new session id for NAME
//	GET  /s/{id}?image=NAME     the session page; if {id} is new, a page
//	                            that boots NAME by posting to /api/sessions
//	GET  /s/{id}/ws             the session's WebSocket (PROTOCOL.md)
//	GET  /s/{id}/websockify     RFB over a binary WebSocket, for noVNC
//	GET  /api/sessions          JSON: every session
//	POST /api/sessions          boot image (form or query: image, id)
//	GET  /api/stats/{id}        JSON: a session's numbers and its viewers'
//	DELETE /api/sessions/{id}   stop a session (or POST /api/sessions/{id}/delete)
//
// No GET starts, stops or wakes a machine: only POST and DELETE, which
// must come from the server's own pages, and a viewer's WebSocket (which
// wakes a hibernated session). Every request must name the server in its
// Host header and, with Options.Token, carry the token (guard.go).
//
// With Options.Snapshot, a session nobody watched for Options.Idle
// hibernates (hibernate.go): saved as the snapshot "serve/ID", its machine
// freed, listed as hibernated, resumed when opened again; and the images of
// Options.Warm are booted once at start and saved as "warm/IMAGE" when
// ready, from which their later sessions start (warm.go).
//
// NewSingle makes the one-machine server of `do86 run --web`: the page at
// /, the WebSocket at /ws, noVNC's endpoint at /websockify.
//
// Every viewer has its own goroutines, subscription to the machine's
// display.Hub, pacing and deflate stream: a slow browser gets fewer, larger
// updates (and a keyframe once most of the screen changed meanwhile); it
// never slows the machine or the other viewers. The emulation goroutine
// only ever publishes to the hub and appends COM1 output to a Console;
// neither waits for a viewer.
package web
