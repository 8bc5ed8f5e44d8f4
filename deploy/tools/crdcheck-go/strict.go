package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	kjson "sigs.k8s.io/json"
)

var strictPath = regexp.MustCompile(`^(unknown|duplicate) field "(.*)"$`)

// decodeStrict decodes doc into obj the way the API server does in strict mode (case-sensitive
// names, duplicate and unknown fields refused), then compares the input with the object
// encoded back: a type with its own UnmarshalJSON (for example MongoDBCommunity's StatefulSet
// override) escapes the strict decoder, but whatever it dropped is missing from the round trip.
//
// freeForm names the paths (list indices written "[]") of the type's free-form maps, whose keys
// the type may rewrite (MongoDB's dotted option names become nested maps): not compared.
func decodeStrict(doc []byte, obj any, freeForm ...string) []finding {
	strictErrs, err := kjson.UnmarshalStrict(doc, obj)
	if err != nil {
		return []finding{{"", "cannot decode: " + err.Error()}}
	}
	var out []finding
	seen := map[string]bool{}
	for _, e := range strictErrs {
		msg := e.Error()
		if m := strictPath.FindStringSubmatch(msg); m != nil {
			out = append(out, finding{m[2], m[1] + " field"})
			seen[m[2]] = true
			continue
		}
		out = append(out, finding{"", msg})
	}
	back, err := json.Marshal(obj)
	if err != nil {
		return append(out, finding{"", "cannot encode back: " + err.Error()})
	}
	var in, again any
	if err := json.Unmarshal(doc, &in); err != nil {
		return append(out, finding{"", err.Error()})
	}
	if err := json.Unmarshal(back, &again); err != nil {
		return append(out, finding{"", err.Error()})
	}
	for _, p := range dropped(in, again, "") {
		if !seen[p] && !coveredBy(p, seen) && !underAny(p, freeForm) {
			out = append(out, finding{p, "unknown field (dropped by the API type)"})
		}
	}
	return out
}

var listIndex = regexp.MustCompile(`\[\d+\]`)

// underAny tells whether path lies in one of the free-form subtrees.
func underAny(path string, subtrees []string) bool {
	generic := listIndex.ReplaceAllString(path, "[]")
	for _, t := range subtrees {
		if generic == t || strings.HasPrefix(generic, t+".") {
			return true
		}
	}
	return false
}

// coveredBy tells whether path lies under a path already reported.
func coveredBy(path string, seen map[string]bool) bool {
	for p := range seen {
		if strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

// dropped lists the paths present with a non-empty value in in but absent from out. Values
// equal to their type's zero are skipped: `omitempty` drops those legitimately.
func dropped(in, out any, path string) []string {
	var paths []string
	switch iv := in.(type) {
	case map[string]any:
		om, _ := out.(map[string]any)
		keys := make([]string, 0, len(iv))
		for k := range iv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			child := k
			if path != "" {
				child = path + "." + k
			}
			ov, ok := om[k]
			if !ok {
				if !isEmpty(iv[k]) {
					paths = append(paths, child)
				}
				continue
			}
			paths = append(paths, dropped(iv[k], ov, child)...)
		}
	case []any:
		ol, _ := out.([]any)
		for i, v := range iv {
			if i < len(ol) {
				paths = append(paths, dropped(v, ol[i], fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return paths
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case bool:
		return !t
	case float64:
		return t == 0
	case string:
		return t == ""
	case map[string]any:
		for _, child := range t {
			if !isEmpty(child) {
				return false
			}
		}
		return true
	case []any:
		return len(t) == 0
	}
	return false
}
