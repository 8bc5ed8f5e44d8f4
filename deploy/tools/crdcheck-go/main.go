// Command crdcheck-go validates Prometheus Operator and MongoDB Community operator custom
// resources offline, with the operators' own Go API types.
//
// Usage: crdcheck-go [FILE...]   (stdin when no file is given; multi-document YAML)
//
//	crdcheck-go --kinds          (prints the apiVersion/kind pairs it knows)
//
// Each finding is one line, "kind/name: field path: message"; the exit code is 1 when there
// is any finding (an object of a kind it does not know is a finding too), 2 on a usage error.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// checker decodes one object strictly into its API type and runs that type's own validation.
type checker func(doc []byte) []finding

type finding struct {
	path    string
	message string
}

var checkers = map[string]checker{}

func register(apiVersion, kind string, c checker) {
	checkers[apiVersion+" "+kind] = c
}

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "--kinds" {
		keys := make([]string, 0, len(checkers))
		for k := range checkers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Println(k)
		}
		return
	}
	var inputs []namedReader
	if len(args) == 0 {
		inputs = append(inputs, namedReader{"<stdin>", os.Stdin})
	}
	for _, name := range args {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		defer f.Close()
		inputs = append(inputs, namedReader{name, f})
	}
	total := 0
	for _, in := range inputs {
		total += checkStream(in, os.Stdout)
	}
	if total > 0 {
		os.Exit(1)
	}
}

type namedReader struct {
	name string
	r    io.Reader
}

// checkStream checks every document of one stream and returns how many findings it printed.
func checkStream(in namedReader, out io.Writer) int {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(in.r))
	count := 0
	for index := 0; ; index++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return count
		}
		if err != nil {
			fmt.Fprintf(out, "%s#%d: : cannot split YAML: %s\n", in.name, index, oneLine(err.Error()))
			return count + 1
		}
		if len(bytes.TrimSpace(raw)) == 0 || isOnlyComments(raw) {
			continue
		}
		for _, line := range checkDocument(raw, fmt.Sprintf("%s#%d", in.name, index)) {
			fmt.Fprintln(out, line)
			count++
		}
	}
}

func isOnlyComments(raw []byte) bool {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && !bytes.Equal(line, []byte("---")) {
			return false
		}
	}
	return true
}

type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

// checkDocument returns the finding lines for one YAML document.
func checkDocument(raw []byte, where string) []string {
	// YAMLToJSONStrict refuses duplicate keys, which a lax parse would silently resolve.
	doc, err := yaml.YAMLToJSONStrict(raw)
	if err != nil {
		return []string{fmt.Sprintf("%s: : invalid YAML: %s", where, oneLine(err.Error()))}
	}
	var h header
	if err := yaml.Unmarshal(doc, &h); err != nil {
		return []string{fmt.Sprintf("%s: : not a Kubernetes object: %s", where, oneLine(err.Error()))}
	}
	id := h.Kind + "/" + h.Metadata.Name
	if h.Metadata.Name == "" {
		id = h.Kind + "/(" + where + ")"
	}
	c, ok := checkers[h.APIVersion+" "+h.Kind]
	if !ok {
		return []string{fmt.Sprintf("%s: apiVersion: no validator for %s %s", id, h.APIVersion, h.Kind)}
	}
	var lines []string
	for _, f := range c(doc) {
		lines = append(lines, fmt.Sprintf("%s: %s: %s", id, f.path, oneLine(f.message)))
	}
	return lines
}

// oneLine keeps a finding on its line: some decoders' messages span several.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
