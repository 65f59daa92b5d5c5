package images

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Timeouts bound each stage of a download, so that a dead or stalled server
// fails with a clear error instead of hanging.
type Timeouts struct {
	Connect        time.Duration // DNS lookup and TCP connect
	TLSHandshake   time.Duration
	ResponseHeader time.Duration // from the request sent to the status line
	Idle           time.Duration // longest wait for the next body bytes
}

// DefaultTimeouts are used for the zero fields of ResolveOptions.Timeouts.
var DefaultTimeouts = Timeouts{
	Connect:        15 * time.Second,
	TLSHandshake:   15 * time.Second,
	ResponseHeader: 30 * time.Second,
	Idle:           60 * time.Second,
}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	if t.Connect > 0 {
		d.Connect = t.Connect
	}
	if t.TLSHandshake > 0 {
		d.TLSHandshake = t.TLSHandshake
	}
	if t.ResponseHeader > 0 {
		d.ResponseHeader = t.ResponseHeader
	}
	if t.Idle > 0 {
		d.Idle = t.Idle
	}
	return d
}

// maxRedirects bounds a chain of redirects.
const maxRedirects = 10

func newClient(t Timeouts) *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   t.TLSHandshake,
		ResponseHeaderTimeout: t.ResponseHeader,
		ForceAttemptHTTP2:     true,
		// Images are mostly compressed already, and a transparently
		// gunzipped body would not match Content-Length or Range offsets.
		DisableCompression: true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			// A download begun over TLS stays on TLS: an image without a
			// fixed hash is only as good as its transport.
			if prev := via[len(via)-1]; prev.URL.Scheme == "https" && req.URL.Scheme != "https" {
				return fmt.Errorf("refusing a redirect from %s to %s: it leaves HTTPS", prev.URL, req.URL)
			}
			return nil
		},
	}
}

// ErrChecksum is wrapped by the error for a download whose size or sha256 is
// not the catalog's.
var ErrChecksum = errors.New("checksum mismatch")

// download fetches e into dir from the first of its URLs that works.
func download(ctx context.Context, e Entry, dir string, opts ResolveOptions) (string, error) {
	if len(e.URLs) == 0 {
		return "", fmt.Errorf("image %s has no download URL", e.Name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	final := filepath.Join(dir, e.File)
	client := newClient(opts.Timeouts.withDefaults())
	var errs []error
	for _, u := range e.URLs {
		err := fetch(ctx, client, u, final, e, opts)
		if err == nil {
			return final, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return "", fmt.Errorf("downloading %s: %w", e.Name, errs[0])
	}
	// One line (errors.Join would use newlines), every cause still wrapped.
	format := "downloading %s: every URL failed: " + strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; ")
	args := []any{e.Name}
	for _, err := range errs {
		args = append(args, err)
	}
	return "", fmt.Errorf(format, args...)
}

// errStalled is the cause of a request cancelled for lack of body bytes.
var errStalled = errors.New("stalled")

// fetch downloads url into final+".part" (resuming it when it can), checks
// it and renames it to final. An interrupted transfer leaves the .part to be
// resumed; a wrong one is deleted.
func fetch(ctx context.Context, client *http.Client, url, final string, e Entry, opts ResolveOptions) error {
	part := final + partSuffix
	tm := opts.Timeouts.withDefaults()
	var offset int64
	if st, err := os.Stat(part); err == nil && st.Mode().IsRegular() {
		offset = st.Size()
	}
	validator, _ := os.ReadFile(final + validatorSuffix)
	// Resume only what is known to be the same file: a fixed hash checks
	// the joined result, a validator lets the server say it changed.
	if offset > 0 && e.SHA256 == "" && len(validator) == 0 {
		offset = 0
	}
	if e.Size > 0 && offset >= e.Size {
		offset = 0 // a complete .part failed its check before, or is wrong
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("bad URL %s: %w", url, err)
	}
	req.Header.Set("User-Agent", "do86-images/1")
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
		if len(validator) > 0 {
			req.Header.Set("If-Range", strings.TrimSpace(string(validator)))
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return explain(url, err, tm)
	}
	defer resp.Body.Close()

	var f *os.File
	switch {
	case resp.StatusCode == http.StatusPartialContent && offset > 0:
		start, ok := contentRangeStart(resp.Header.Get("Content-Range"))
		if !ok || start != offset {
			return fmt.Errorf("server answered range %q for a request from byte %d at %s", resp.Header.Get("Content-Range"), offset, url)
		}
		f, err = os.OpenFile(part, os.O_WRONLY|os.O_APPEND, 0o644)
	case resp.StatusCode == http.StatusOK:
		// A fresh start, or the server ignored the Range (or the file
		// changed): write from byte 0.
		offset = 0
		f, err = os.Create(part)
		os.Remove(final + validatorSuffix)
		if v := resp.Header.Get("ETag"); v != "" && !strings.HasPrefix(v, "W/") {
			os.WriteFile(final+validatorSuffix, []byte(v), 0o644)
		} else if v := resp.Header.Get("Last-Modified"); v != "" {
			os.WriteFile(final+validatorSuffix, []byte(v), 0o644)
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		// The .part is not a prefix of what the server has: start over
		// on the next run.
		os.Remove(part)
		return fmt.Errorf("server refused to resume at byte %d (%s) for %s; the partial download was deleted, run again to restart", offset, resp.Status, url)
	default:
		return fmt.Errorf("server answered %s for %s", resp.Status, url)
	}
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}

	total := int64(-1)
	if resp.ContentLength >= 0 {
		total = offset + resp.ContentLength
	} else if e.Size > 0 {
		total = e.Size
	}
	if e.Size > 0 && resp.ContentLength >= 0 && total != e.Size {
		f.Close()
		os.Remove(part)
		return fmt.Errorf("%w: %s serves %d bytes, the catalog says %s is %d", ErrChecksum, url, total, e.File, e.Size)
	}

	// A timer cancels the request when no body bytes arrive for tm.Idle.
	idle := time.AfterFunc(tm.Idle, func() { cancel(errStalled) })
	defer idle.Stop()
	var pr *progress
	if opts.Progress != nil {
		pr = newProgress(opts.Progress, e.File, offset, total)
	}
	body := &watchReader{r: resp.Body, onRead: func(n int) {
		idle.Reset(tm.Idle)
		if pr != nil {
			pr.add(int64(n))
		}
	}}
	// Never more than the catalog's size, or MaxBytes when it has none.
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = MaxDownload
	}
	if e.Size > 0 {
		limit = e.Size
	}
	n, cerr := io.Copy(f, io.LimitReader(body, limit-offset+1))
	if err := f.Close(); cerr == nil {
		cerr = err
	}
	if pr != nil {
		pr.finish(cerr == nil)
	}
	got := offset + n
	if got > limit {
		os.Remove(part)
		if e.Size > 0 {
			return fmt.Errorf("%w: %s sends more than the %d bytes the catalog says %s has; the download was deleted", ErrChecksum, url, e.Size, e.File)
		}
		return fmt.Errorf("%s sends more than %d bytes, the most a download may have; the download was deleted", url, limit)
	}
	if cerr != nil {
		if context.Cause(ctx) == errStalled {
			return fmt.Errorf("no data from %s for %v after %d bytes: the server stalled; the partial download is kept, run again to resume", url, tm.Idle, got)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("download of %s interrupted after %d bytes: %w", url, got, context.Cause(ctx))
		}
		if total >= 0 {
			return fmt.Errorf("download of %s ended after %d of %d bytes (%v); the partial download is kept, run again to resume", url, got, total, cerr)
		}
		return fmt.Errorf("download of %s failed after %d bytes: %w", url, got, cerr)
	}
	if total >= 0 && got != total {
		return fmt.Errorf("download of %s ended after %d of %d bytes; the partial download is kept, run again to resume", url, got, total)
	}
	return commit(part, final, e)
}

// commit checks a finished .part against the catalog and renames it into
// the cache, recording its hash in the sidecar.
func commit(part, final string, e Entry) error {
	st, err := os.Stat(part)
	if err != nil {
		return err
	}
	if e.Size > 0 && st.Size() != e.Size {
		os.Remove(part)
		return fmt.Errorf("%w: %s has %d bytes, want %d; the download was deleted", ErrChecksum, e.File, st.Size(), e.Size)
	}
	sum, err := fileSHA256(part)
	if err != nil {
		return err
	}
	if e.SHA256 != "" && !strings.EqualFold(sum, e.SHA256) {
		os.Remove(part)
		os.Remove(final + validatorSuffix)
		return fmt.Errorf("%w: %s has sha256 %s, want %s; the download was deleted", ErrChecksum, e.File, sum, e.SHA256)
	}
	if err := os.Rename(part, final); err != nil {
		return err
	}
	os.Remove(final + validatorSuffix)
	return writeSidecar(final, sum)
}

// contentRangeStart reads the first byte position of "bytes START-END/LEN".
func contentRangeStart(h string) (int64, bool) {
	rest, ok := strings.CutPrefix(h, "bytes ")
	if !ok {
		return 0, false
	}
	first, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	return n, err == nil
}

// watchReader reports every read that got bytes.
type watchReader struct {
	r      io.Reader
	onRead func(n int)
}

func (w *watchReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.onRead(n)
	}
	return n, err
}

// explain turns a transport error into one line that names the failing
// stage.
func explain(url string, err error, tm Timeouts) error {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var nerr net.Error
	switch {
	case errors.As(err, &dns):
		return fmt.Errorf("cannot resolve host %s (DNS) for %s: %v", dns.Name, url, dns.Err)
	case errors.As(err, &verify), errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid):
		return fmt.Errorf("TLS certificate of %s not accepted: %w", url, err)
	case errors.As(err, &record):
		return fmt.Errorf("TLS handshake with %s failed (not a TLS server?): %w", url, err)
	case strings.Contains(err.Error(), "HTTP response to HTTPS client"):
		return fmt.Errorf("TLS handshake with %s failed: the server speaks plain HTTP", url)
	case strings.Contains(err.Error(), "tls:"):
		return fmt.Errorf("TLS handshake with %s failed: %w", url, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("connection to %s refused", url)
	case errors.As(err, &nerr) && nerr.Timeout():
		return fmt.Errorf("timed out fetching %s (connect %v, TLS %v, response %v): %w", url, tm.Connect, tm.TLSHandshake, tm.ResponseHeader, err)
	}
	return fmt.Errorf("fetching %s: %w", url, err)
}
