package images_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	stdlog "log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/do86/do86/pkg/images"
)

// payload is a test image: deterministic pseudo-random bytes.
func payload(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fastTimeouts keep the tests that time out short.
var fastTimeouts = images.Timeouts{Connect: 2 * time.Second, TLSHandshake: 2 * time.Second, ResponseHeader: 300 * time.Millisecond, Idle: 300 * time.Millisecond}

// entry is a catalog-like entry served from url.
func entry(url string, data []byte, fixed bool) images.Entry {
	e := images.Entry{Name: "test", File: "test.img", URLs: []string{url}, Boot: images.Floppy}
	if fixed {
		e.Size, e.SHA256 = int64(len(data)), sum(data)
	}
	return e
}

// requestLog records the Range headers a test server saw.
type requestLog struct {
	mu     sync.Mutex
	ranges []string
}

func (l *requestLog) add(r *http.Request) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ranges = append(l.ranges, r.Header.Get("Range"))
	return len(l.ranges)
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ranges = nil
}

func (l *requestLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ranges...)
}

// serving is a handler factory that logs and serves data with Range support.
func serving(data []byte) func(l *requestLog) http.HandlerFunc {
	return func(l *requestLog) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { l.add(r); serve(w, r, data) }
	}
}

// serve serves data with Range support and a Last-Modified validator.
func serve(w http.ResponseWriter, r *http.Request, data []byte) {
	http.ServeContent(w, r, "test.img", time.Unix(1700000000, 0), bytes.NewReader(data))
}

// cut writes the first n bytes of data as if it were all of it, then drops
// the connection.
func cut(w http.ResponseWriter, data []byte, n int) {
	w.Header().Set("Content-Length", itoa(len(data)))
	w.Header().Set("Last-Modified", time.Unix(1700000000, 0).UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	w.Write(data[:n])
	w.(http.Flusher).Flush()
	panic(http.ErrAbortHandler)
}

// endless streams bytes without a Content-Length until the client goes.
func endless(l *requestLog) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l.add(r)
		chunk := payload(64 << 10)
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDownload(t *testing.T) {
	data := payload(300 << 10)
	tests := []struct {
		name    string
		handler func(l *requestLog) http.HandlerFunc
		fixed   bool
		entry   func(e images.Entry) images.Entry
		part    []byte // a .part there before the pull
		wantErr string // "" = success
		// After a failed pull, is a .part left (to resume)?
		wantPart bool
		// Range headers the server must have seen, in order.
		wantRanges []string
		maxBytes   int64 // ResolveOptions.MaxBytes
	}{
		{
			name:       "success",
			handler:    serving(data),
			fixed:      true,
			wantRanges: []string{""},
		},
		{
			name:       "success, hash not fixed",
			handler:    serving(data),
			wantRanges: []string{""},
		},
		{
			name: "redirect",
			handler: func(l *requestLog) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					l.add(r)
					if r.URL.Path != "/moved" {
						http.Redirect(w, r, "/moved", http.StatusFound)
						return
					}
					serve(w, r, data)
				}
			},
			fixed:      true,
			wantRanges: []string{"", ""},
		},
		{
			name:    "checksum mismatch",
			handler: serving(data),
			fixed:   true,
			entry: func(e images.Entry) images.Entry {
				e.SHA256 = strings.Repeat("0", 64)
				return e
			},
			wantErr: "checksum mismatch: test.img has sha256 " + sum(data) + ", want 0000",
		},
		{
			name:    "size mismatch",
			handler: serving(data),
			fixed:   true,
			entry: func(e images.Entry) images.Entry {
				e.Size++
				return e
			},
			wantErr: "checksum mismatch",
		},
		{
			name: "404",
			handler: func(l *requestLog) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { l.add(r); http.NotFound(w, r) }
			},
			fixed:   true,
			wantErr: "server answered 404 Not Found for http://",
		},
		{
			name: "truncated body",
			handler: func(l *requestLog) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { l.add(r); cut(w, data, 1000) }
			},
			fixed:    true,
			wantErr:  "ended after 1000 of 307200 bytes",
			wantPart: true,
		},
		{
			name: "server stalls in the body",
			handler: func(l *requestLog) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					l.add(r)
					w.Header().Set("Content-Length", itoa(len(data)))
					w.Write(data[:4096])
					w.(http.Flusher).Flush()
					<-r.Context().Done()
				}
			},
			fixed:    true,
			wantErr:  "the server stalled",
			wantPart: true,
		},
		{
			name: "server never answers",
			handler: func(l *requestLog) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) { l.add(r); <-r.Context().Done() }
			},
			fixed:   true,
			wantErr: "timed out fetching",
		},
		{
			name:       "resume with Range",
			handler:    serving(data),
			fixed:      true,
			part:       data[:5000],
			wantRanges: []string{"bytes=5000-"},
		},
		{
			name: "restart when the server ignores Range",
			handler: func(l *requestLog) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					l.add(r)
					w.Header().Set("Content-Length", itoa(len(data)))
					w.Write(data)
				}
			},
			fixed:      true,
			part:       []byte("garbage that is not the start of the file"),
			wantRanges: []string{"bytes=41-"},
		},
		{
			name:       "no resume of an unfixed image without a validator",
			handler:    serving(data),
			part:       []byte("old nightly"),
			wantRanges: []string{""},
		},
		{
			name:    "endless body of a fixed size",
			handler: endless,
			fixed:   true,
			wantErr: "sends more than the 307200 bytes the catalog says test.img has",
		},
		{
			name:     "endless body of an unfixed size",
			handler:  endless,
			maxBytes: 1 << 20,
			wantErr:  "sends more than 1048576 bytes, the most a download may have",
		},
		{
			name: "range not satisfiable",
			handler: func(l *requestLog) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					l.add(r)
					http.Error(w, "no", http.StatusRequestedRangeNotSatisfiable)
				}
			},
			fixed:      true,
			part:       data[:10],
			wantErr:    "server refused to resume at byte 10",
			wantRanges: []string{"bytes=10-"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &requestLog{}
			srv := httptest.NewServer(tt.handler(log))
			defer srv.Close()
			e := entry(srv.URL+"/test.img", data, tt.fixed)
			if tt.entry != nil {
				e = tt.entry(e)
			}
			dir := t.TempDir()
			final := filepath.Join(dir, e.File)
			if tt.part != nil {
				if err := os.WriteFile(final+".part", tt.part, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var prog bytes.Buffer
			opts := images.ResolveOptions{CacheDir: dir, Progress: &prog, Timeouts: fastTimeouts, MaxBytes: tt.maxBytes}
			start := time.Now()
			p, err := images.PullEntry(context.Background(), e, opts)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("pull took %v", d)
			}
			if tt.wantRanges != nil {
				if got := log.get(); strings.Join(got, "|") != strings.Join(tt.wantRanges, "|") {
					t.Errorf("server saw Range headers %q, want %q", got, tt.wantRanges)
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "checksum") && !errors.Is(err, images.ErrChecksum) {
					t.Errorf("error %v does not wrap ErrChecksum", err)
				}
				if _, serr := os.Stat(final); serr == nil {
					t.Errorf("a failed download left %s in the cache", e.File)
				}
				_, perr := os.Stat(final + ".part")
				if gotPart := perr == nil; gotPart != tt.wantPart {
					t.Errorf(".part kept = %v, want %v", gotPart, tt.wantPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p != final {
				t.Errorf("path %s, want %s", p, final)
			}
			got, _ := os.ReadFile(p)
			if !bytes.Equal(got, data) {
				t.Fatalf("cached file differs from the served one (%d bytes, want %d)", len(got), len(data))
			}
			if side, _ := os.ReadFile(final + ".sha256"); !strings.HasPrefix(string(side), sum(data)+"  test.img") {
				t.Errorf("sidecar %q, want the download's hash", side)
			}
			if _, err := os.Stat(final + ".part"); err == nil {
				t.Error(".part left behind after success")
			}
			if out := prog.String(); !strings.Contains(out, "test.img [########################] 100% 300.0 KiB / 300.0 KiB") || !strings.Contains(out, "ETA") || !strings.HasSuffix(out, "done\n") {
				t.Errorf("progress output %q lacks the final state", out)
			}
		})
	}
}

// TestResumeAfterInterruption cuts the first transfer and checks that the
// second asks only for the rest.
func TestResumeAfterInterruption(t *testing.T) {
	data := payload(200 << 10)
	log := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if log.add(r) == 1 {
			cut(w, data, 64<<10)
			return
		}
		serve(w, r, data)
	}))
	defer srv.Close()
	for _, fixed := range []bool{true, false} {
		log.reset()
		dir := t.TempDir()
		e := entry(srv.URL+"/test.img", data, fixed)
		opts := images.ResolveOptions{CacheDir: dir, Timeouts: fastTimeouts}
		if _, err := images.PullEntry(context.Background(), e, opts); err == nil || !strings.Contains(err.Error(), "run again to resume") {
			t.Fatalf("fixed=%v: first pull: %v, want an interrupted download", fixed, err)
		}
		st, err := os.Stat(filepath.Join(dir, "test.img.part"))
		if err != nil || st.Size() == 0 {
			t.Fatalf("fixed=%v: no partial download kept: %v", fixed, err)
		}
		p, err := images.PullEntry(context.Background(), e, opts)
		if err != nil {
			t.Fatalf("fixed=%v: second pull: %v", fixed, err)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
			t.Fatalf("fixed=%v: resumed file differs", fixed)
		}
		want := "bytes=" + itoa(int(st.Size())) + "-"
		if got := log.get(); len(got) != 2 || got[1] != want {
			t.Errorf("fixed=%v: Range headers %q, want [\"\" %q]", fixed, got, want)
		}
	}
}

func TestDownloadTLSAndDNSErrors(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // the rejected handshake
	srv.StartTLS()
	defer srv.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	tests := []struct {
		name, url string
		want      []string // any of
	}{
		{"untrusted certificate", srv.URL + "/x.img", []string{"TLS certificate of https://127.0.0.1"}},
		{"plain http server spoken to in TLS", strings.Replace(plain.URL, "http:", "https:", 1) + "/x", []string{"TLS handshake with"}},
		{"unknown host", "http://do86-test.invalid/x.img", []string{"cannot resolve host do86-test.invalid", "timed out fetching"}},
		{"nothing listening", "http://127.0.0.1:1/x.img", []string{"connection to http://127.0.0.1:1/x.img refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			e := images.Entry{Name: "x", File: "x.img", URLs: []string{tt.url}}
			_, err := images.PullEntry(context.Background(), e, images.ResolveOptions{CacheDir: dir, Timeouts: fastTimeouts})
			ok := false
			for _, w := range tt.want {
				ok = ok || (err != nil && strings.Contains(err.Error(), w))
			}
			if !ok {
				t.Fatalf("error %v, want one containing one of %q", err, tt.want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("cache holds %v after a failed connection", ents)
			}
		})
	}
}

// TestDownloadTriesMirrors falls through a dead URL to a working one.
func TestDownloadTriesMirrors(t *testing.T) {
	data := payload(1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/good" {
			serve(w, r, data)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	e := entry(srv.URL+"/bad", data, true)
	e.URLs = append(e.URLs, srv.URL+"/good")
	p, err := images.PullEntry(context.Background(), e, images.ResolveOptions{CacheDir: t.TempDir(), Timeouts: fastTimeouts})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
		t.Error("wrong content from the mirror")
	}
}
