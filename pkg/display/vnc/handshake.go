package vnc

import (
	"crypto/des"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// RFB security types (RFC 6143 §7.2.1) and SecurityResult values (§7.1.3).
const (
	secInvalid = 0
	secNone    = 1
	secVNCAuth = 2

	securityOK     = 0
	securityFailed = 1
)

// protocolVersion is what the server offers; the client may answer with an
// older version.
const protocolVersion = "RFB 003.008\n"

// readVersion reads the client's ProtocolVersion and returns the minor
// version the rest of the handshake follows: 3, 7 or 8. Apple's clients say
// 3.889 and speak 3.8; any other 3.x is handled as 3.3, as RFC 6143 §7.1.1
// asks.
func readVersion(r io.Reader) (int, error) {
	var b [12]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return 0, err
	}
	var major, minor int
	if _, err := fmt.Sscanf(string(b[:]), "RFB %03d.%03d\n", &major, &minor); err != nil || b[11] != '\n' {
		return 0, fmt.Errorf("bad ProtocolVersion %q", b[:])
	}
	if major != 3 {
		return 0, fmt.Errorf("unsupported RFB version %d.%d", major, minor)
	}
	switch minor {
	case 7:
		return 7, nil
	case 8, 889:
		return 8, nil
	}
	return 3, nil
}

// handshake runs the version, security and initialisation phases (RFC 6143
// §7.1 and §7.3): on success the client is ready for normal messages.
func (cl *client) handshake() error {
	w, r := cl.conn, cl.br
	if _, err := io.WriteString(w, protocolVersion); err != nil {
		return err
	}
	minor, err := readVersion(r)
	if err != nil {
		return err
	}
	cl.minor = minor
	want := uint8(secNone)
	if cl.s.opts.Password != "" {
		want = secVNCAuth
	}
	if minor == 3 {
		// 3.3: the server decides alone.
		if err := writeU32(w, uint32(want)); err != nil {
			return err
		}
	} else {
		if _, err := w.Write([]byte{1, want}); err != nil {
			return err
		}
		var pick [1]byte
		if _, err := io.ReadFull(r, pick[:]); err != nil {
			return err
		}
		if pick[0] != want {
			cl.securityFailed(fmt.Sprintf("security type %d was not offered", pick[0]))
			return fmt.Errorf("client chose security type %d, not the offered %d", pick[0], want)
		}
	}
	if want == secVNCAuth {
		if err := cl.vncAuth(); err != nil {
			return err
		}
	} else if minor == 8 {
		// Only 3.8 sends a SecurityResult after None.
		if err := writeU32(w, securityOK); err != nil {
			return err
		}
	}
	// ClientInit: the shared flag. Every client shares the machine.
	var shared [1]byte
	if _, err := io.ReadFull(r, shared[:]); err != nil {
		return err
	}
	return cl.serverInit()
}

// securityFailed tells the client why it is refused, where the version has
// a way to say so (3.8's SecurityResult reason; earlier versions just see
// the connection close).
func (cl *client) securityFailed(reason string) {
	if cl.minor != 8 {
		return
	}
	b := binary.BigEndian.AppendUint32(nil, securityFailed)
	b = binary.BigEndian.AppendUint32(b, uint32(len(reason)))
	b = append(b, reason...)
	cl.conn.Write(b)
}

// vncAuth runs VNC Authentication (RFC 6143 §7.2.2): the client proves it
// knows the password by DES-encrypting a random 16-byte challenge with it.
func (cl *client) vncAuth() error {
	var challenge [16]byte
	if _, err := rand.Read(challenge[:]); err != nil {
		return err
	}
	if _, err := cl.conn.Write(challenge[:]); err != nil {
		return err
	}
	var resp [16]byte
	if _, err := io.ReadFull(cl.br, resp[:]); err != nil {
		return err
	}
	want := vncAuthResponse(cl.s.opts.Password, challenge)
	// The answer is checked in the address's turn: after failures, later
	// (auth.go).
	ok, err := cl.s.auth.check(hostOf(cl.conn.RemoteAddr()), cl.authDeadline, cl.s.quit, func() bool {
		return subtle.ConstantTimeCompare(resp[:], want[:]) == 1
	})
	if !ok {
		reason := "authentication failed"
		if err != nil {
			reason = err.Error()
		}
		if cl.minor == 8 {
			cl.securityFailed(reason)
		} else {
			writeU32(cl.conn, securityFailed)
		}
		if err != nil {
			return err
		}
		return errors.New("authentication failed (wrong password)")
	}
	return writeU32(cl.conn, securityOK)
}

// vncAuthResponse is what a client that knows password answers to
// challenge in VNC Authentication: the challenge encrypted with DES in ECB
// mode under a key made of the password's first 8 bytes (zero-padded), each
// byte's bits mirrored — the quirk every VNC implementation shares.
func vncAuthResponse(password string, challenge [16]byte) [16]byte {
	var key [8]byte
	copy(key[:], password)
	for i, b := range key {
		key[i] = bits.Reverse8(b)
	}
	c, _ := des.NewCipher(key[:]) // 8-byte key: cannot fail
	var out [16]byte
	c.Encrypt(out[:8], challenge[:8])
	c.Encrypt(out[8:], challenge[8:])
	return out
}

// writeU32 writes v big-endian, as every RFB number is.
func writeU32(w io.Writer, v uint32) error {
	_, err := w.Write(binary.BigEndian.AppendUint32(nil, v))
	return err
}
