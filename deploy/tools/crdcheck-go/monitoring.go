package main

import (
	"fmt"
	"regexp"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const monitoringAPI = "monitoring.coreos.com/v1"

func init() {
	register(monitoringAPI, "PrometheusRule", checkPrometheusRule)
	register(monitoringAPI, "ServiceMonitor", checkServiceMonitor)
	register(monitoringAPI, "PodMonitor", checkPodMonitor)
}

// Prometheus 2's rule label names; the rules here must also load in Prometheus 2 setups.
var (
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
)

// promqlParser is Prometheus' own parser, so an expression that parses here loads there.
var promqlParser = parser.NewParser(parser.Options{})

func checkPrometheusRule(doc []byte) []finding {
	var obj monitoringv1.PrometheusRule
	out := decodeStrict(doc, &obj)
	groups := map[string]bool{}
	for gi, g := range obj.Spec.Groups {
		gp := fmt.Sprintf("spec.groups[%d]", gi)
		if g.Name == "" {
			out = append(out, finding{gp + ".name", "group name is empty"})
		} else if groups[g.Name] {
			out = append(out, finding{gp + ".name", fmt.Sprintf("group %q is defined twice", g.Name)})
		}
		groups[g.Name] = true
		out = append(out, checkDuration(gp+".interval", g.Interval)...)
		if len(g.Rules) == 0 {
			out = append(out, finding{gp + ".rules", "group has no rules"})
		}
		for ri, r := range g.Rules {
			out = append(out, checkRule(fmt.Sprintf("%s.rules[%d]", gp, ri), r)...)
		}
	}
	return out
}

func checkRule(rp string, r monitoringv1.Rule) []finding {
	var out []finding
	switch {
	case r.Alert == "" && r.Record == "":
		out = append(out, finding{rp, "a rule needs alert or record"})
	case r.Alert != "" && r.Record != "":
		out = append(out, finding{rp, "a rule has alert or record, not both"})
	case r.Record != "":
		if !metricName.MatchString(r.Record) {
			out = append(out, finding{rp + ".record", fmt.Sprintf("invalid metric name %q", r.Record)})
		}
		if r.For != nil || len(r.Annotations) > 0 {
			out = append(out, finding{rp, "a recording rule takes no for or annotations"})
		}
	}
	expr := r.Expr.String()
	// A missing expr decodes as the integer 0.
	if expr == "" || r.Expr.Type == intstr.Int && r.Expr.IntVal == 0 {
		out = append(out, finding{rp + ".expr", "expression is empty"})
	} else if _, err := promqlParser.ParseExpr(expr); err != nil {
		out = append(out, finding{rp + ".expr", "does not parse: " + err.Error()})
	}
	out = append(out, checkDuration(rp+".for", r.For)...)
	for name := range r.Labels {
		if !labelName.MatchString(name) {
			out = append(out, finding{rp + ".labels." + name, "invalid label name"})
		}
	}
	for name := range r.Annotations {
		if !labelName.MatchString(name) {
			out = append(out, finding{rp + ".annotations." + name, "invalid annotation name"})
		}
	}
	return out
}

func checkDuration(path string, d *monitoringv1.Duration) []finding {
	if d == nil || *d == "" {
		return nil
	}
	if _, err := model.ParseDuration(string(*d)); err != nil {
		return []finding{{path, err.Error()}}
	}
	return nil
}

func checkServiceMonitor(doc []byte) []finding {
	var obj monitoringv1.ServiceMonitor
	out := decodeStrict(doc, &obj)
	out = append(out, checkSelector("spec.selector", &obj.Spec.Selector)...)
	if len(obj.Spec.Endpoints) == 0 {
		out = append(out, finding{"spec.endpoints", "no endpoint to scrape"})
	}
	for i, e := range obj.Spec.Endpoints {
		ep := fmt.Sprintf("spec.endpoints[%d]", i)
		if e.Port == "" && e.TargetPort == nil {
			out = append(out, finding{ep, "needs port or targetPort"})
		}
		if err := e.HTTPConfigWithProxyAndTLSFiles.Validate(); err != nil {
			out = append(out, finding{ep, err.Error()})
		}
		out = append(out, checkDuration(ep+".interval", &e.Interval)...)
		out = append(out, checkDuration(ep+".scrapeTimeout", &e.ScrapeTimeout)...)
		out = append(out, checkRelabelings(ep+".relabelings", e.RelabelConfigs)...)
		out = append(out, checkRelabelings(ep+".metricRelabelings", e.MetricRelabelConfigs)...)
	}
	return out
}

func checkPodMonitor(doc []byte) []finding {
	var obj monitoringv1.PodMonitor
	out := decodeStrict(doc, &obj)
	out = append(out, checkSelector("spec.selector", &obj.Spec.Selector)...)
	if len(obj.Spec.PodMetricsEndpoints) == 0 {
		out = append(out, finding{"spec.podMetricsEndpoints", "no endpoint to scrape"})
	}
	for i, e := range obj.Spec.PodMetricsEndpoints {
		ep := fmt.Sprintf("spec.podMetricsEndpoints[%d]", i)
		if (e.Port == nil || *e.Port == "") && e.PortNumber == nil && e.TargetPort == nil {
			out = append(out, finding{ep, "needs port, portNumber or targetPort"})
		}
		if err := e.HTTPConfigWithProxy.Validate(); err != nil {
			out = append(out, finding{ep, err.Error()})
		}
		out = append(out, checkDuration(ep+".interval", &e.Interval)...)
		out = append(out, checkDuration(ep+".scrapeTimeout", &e.ScrapeTimeout)...)
		out = append(out, checkRelabelings(ep+".relabelings", e.RelabelConfigs)...)
		out = append(out, checkRelabelings(ep+".metricRelabelings", e.MetricRelabelConfigs)...)
	}
	return out
}

func checkSelector(path string, s *metav1.LabelSelector) []finding {
	if _, err := metav1.LabelSelectorAsSelector(s); err != nil {
		return []finding{{path, err.Error()}}
	}
	if len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
		return []finding{{path, "empty selector matches everything in the namespace"}}
	}
	return nil
}

// checkRelabelings compiles each regex as Prometheus does (RE2, anchored).
func checkRelabelings(path string, rcs []monitoringv1.RelabelConfig) []finding {
	var out []finding
	for i, rc := range rcs {
		if rc.Regex == "" {
			continue
		}
		if _, err := regexp.Compile("^(?s:" + rc.Regex + ")$"); err != nil {
			out = append(out, finding{fmt.Sprintf("%s[%d].regex", path, i), err.Error()})
		}
	}
	return out
}
