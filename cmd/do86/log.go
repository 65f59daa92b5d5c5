package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
)

// lineHandler is the command's slog handler: one line per record,
// "do86: message key=value ...", the way the command's own messages read.
// Debug records are dropped unless verbose.
type lineHandler struct {
	mu      *sync.Mutex
	w       io.Writer
	attrs   string
	verbose bool
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool {
	return h.verbose || l >= slog.LevelInfo
}

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("do86: ")
	if r.Level >= slog.LevelWarn {
		b.WriteString(strings.ToLower(r.Level.String()) + ": ")
	}
	b.WriteString(r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + formatAttr(a))
		return true
	})
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func formatAttr(a slog.Attr) string {
	v := a.Value.Resolve().String()
	if strings.ContainsAny(v, " \t\"=") || v == "" {
		v = fmt.Sprintf("%q", v)
	}
	return a.Key + "=" + v
}

func (h *lineHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	for _, a := range as {
		n.attrs += " " + formatAttr(a)
	}
	return &n
}

func (h *lineHandler) WithGroup(string) slog.Handler { return h }

var stderrMu sync.Mutex

// cliLogger is the logger the command gives its machines: lines on stderr.
func cliLogger() *slog.Logger {
	return slog.New(&lineHandler{mu: &stderrMu, w: os.Stderr})
}
