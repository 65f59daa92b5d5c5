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
	line := b.String()
	recent = append(recent, strings.TrimSuffix(strings.TrimPrefix(line, "do86: "), "\n"))
	if len(recent) > maxRecent {
		recent = recent[len(recent)-maxRecent:]
	}
	if tap != nil {
		select {
		case tap <- recent[len(recent)-1]:
		default: // a full terminal queue drops the note rather than wait
		}
		return nil
	}
	_, err := io.WriteString(h.w, line)
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

var (
	stderrMu sync.Mutex // guards the writes, recent and tap
	// recent are the last messages logged, for a terminal display that
	// starts after them.
	recent []string
	// tap, while the terminal display runs, receives the messages instead
	// of stderr (which would write over the picture).
	tap chan string
)

const maxRecent = 20

// tapMessages sends the command's messages — those already logged, then
// every new one — to the returned channel instead of stderr, until
// untap is called.
func tapMessages() (msgs <-chan string, untap func()) {
	stderrMu.Lock()
	defer stderrMu.Unlock()
	ch := make(chan string, 64)
	for _, m := range recent {
		ch <- m
	}
	tap = ch
	return ch, func() {
		stderrMu.Lock()
		tap = nil
		stderrMu.Unlock()
	}
}

// logf logs a formatted message at info level through the command's
// logger (for callers that speak Printf, such as the servers' Logf).
func logf(format string, a ...any) { cliLogger().Info(fmt.Sprintf(format, a...)) }

// cliLogger is the logger the command gives its machines: lines on stderr.
func cliLogger() *slog.Logger {
	return slog.New(&lineHandler{mu: &stderrMu, w: os.Stderr})
}
