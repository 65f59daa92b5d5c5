// Package vnc serves a do86 machine's screen, keyboard and mouse to any VNC
// client over RFB 3.3, 3.7 and 3.8 (RFC 6143): just enough to show the
// frames a display.Hub carries in any true-colour pixel format with the Raw,
// Hextile, ZRLE and (lossless) Tight encodings, resize clients that
// understand DesktopSize or ExtendedDesktopSize, and turn key and pointer
// events into set-1 scancodes and positions on the screen (or relative
// motion, for clients in QEMU's relative pointer mode). It
// deliberately does not do CopyRect, Tight's JPEG and gradient modes,
// client-side cursors, clipboard transfer, continuous updates, fences or
// client-driven resizing (SetDesktopSize is refused).
//
// Each client runs on its own two goroutines (one reading its messages, one
// writing its updates) with its own pixel format, encodings and subscription
// to the hub. An update is built only when the client has asked for one and
// only from the tiles changed since its previous update, so a slow client
// simply sees fewer, larger updates; nothing queues up on its behalf.
package vnc
