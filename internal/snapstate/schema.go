package snapstate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
)

// Schema describes the shape of a State struct: its fields' names and kinds,
// recursively, with array lengths — never a Go type's name, so renaming a
// type changes nothing while adding, removing, renaming or retyping a field
// does. state is a State struct or a pointer to one. It fails on what a
// State may not hold: unexported fields (gob would drop them silently),
// pointers, interfaces, functions and channels.
func Schema(state any) (string, error) {
	t := reflect.TypeOf(state)
	if t == nil {
		return "", fmt.Errorf("no state")
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return "", fmt.Errorf("a state is a struct, not a %s", t.Kind())
	}
	var b strings.Builder
	if err := shape(&b, t, t.Name()); err != nil {
		return "", err
	}
	return b.String(), nil
}

// SchemaHash is a short hash of Schema, for a golden file.
func SchemaHash(state any) (string, error) {
	s, err := Schema(state)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8]), nil
}

func shape(b *strings.Builder, t reflect.Type, path string) error {
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		b.WriteString(t.Kind().String())
	case reflect.Array:
		fmt.Fprintf(b, "[%d]", t.Len())
		return shape(b, t.Elem(), path+"[]")
	case reflect.Slice:
		b.WriteString("[]")
		return shape(b, t.Elem(), path+"[]")
	case reflect.Map:
		b.WriteString("map[")
		if err := shape(b, t.Key(), path+"{key}"); err != nil {
			return err
		}
		b.WriteString("]")
		return shape(b, t.Elem(), path+"{}")
	case reflect.Struct:
		b.WriteString("{")
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				return fmt.Errorf("%s.%s is unexported: a snapshot would drop it", path, f.Name)
			}
			if f.Anonymous {
				return fmt.Errorf("%s.%s is embedded: give the field a name of its own", path, f.Name)
			}
			if i > 0 {
				b.WriteString(";")
			}
			b.WriteString(f.Name + " ")
			if err := shape(b, f.Type, path+"."+f.Name); err != nil {
				return err
			}
		}
		b.WriteString("}")
	default:
		return fmt.Errorf("%s is a %s: a state holds plain values only", path, t.Kind())
	}
	return nil
}
