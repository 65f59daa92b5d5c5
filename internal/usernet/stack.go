package usernet

import (
	"reflect"
	"time"
	"unsafe"

	"github.com/containers/gvisor-tap-vsock/pkg/virtualnetwork"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
)

// destroyStack ends a virtual network's TCP/IP stack: its endpoints (the
// DHCP and DNS servers' among them, whose goroutines then return) and its
// workers. virtualnetwork v0.8.9 has no Close and keeps the stack in an
// unexported field, so it is reached by reflection; if a later version
// renames it, the stack is left to the garbage collector and its
// goroutines stay (TestCloseFreesGoroutines notices).
func destroyStack(vn *virtualnetwork.VirtualNetwork) {
	if vn == nil {
		return
	}
	f := reflect.ValueOf(vn).Elem().FieldByName("stack")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*stack.Stack]() {
		return
	}
	s := *(**stack.Stack)(unsafe.Pointer(f.UnsafeAddr()))
	if s == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		s.Destroy()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}
