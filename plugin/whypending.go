package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/simulate"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/style"
)

const whyPendingExample = `  # Every pending pod of the current namespace
  kubectl karpenter why-pending

  # One pod, one line
  kubectl karpenter why-pending web-7d9f -n shop --short

  # Every pending pod of the cluster, for a script (exit code 1 when any will not be scheduled)
  kubectl karpenter why-pending -A -o json`

// WhyPendingOptions are the options of `why-pending`.
type WhyPendingOptions struct {
	d             *deps
	Output        *OutputFlags
	AllNamespaces bool
	Selector      string
	Short         bool

	Pod       string
	Namespace string
	selector  labels.Selector
}

func newWhyPendingCommand(d *deps) *cobra.Command {
	o := &WhyPendingOptions{d: d, Output: NewOutputFlags([]string{""}, []string{"json", "yaml"})}
	cmd := &cobra.Command{
		Use:   "why-pending [POD | -l SELECTOR | -A]",
		Short: "Explain why pods are pending, with the agent's own scheduling simulation",
		Long: `For each pending pod: what the kube-scheduler said, what the agent decided (its Nominated and
FailedScheduling Events, and the Launched Event of the NodeClaim it nominated the pod to), and a
fresh simulation with the agent's scheduling engine over the live cluster: the node or NodeClaim
the pod goes to, or, for every existing node and NodePool, the constraint that excludes it and
how to change it.

Exits 0 when every pod will be scheduled and 1 otherwise.`,
		Example: whyPendingExample,
		Args:    cobra.MaximumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completePods(cmd.Context(), d)
		},
		RunE: runVerb(o),
	}
	o.Output.AddFlags(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Explain the pending pods of every namespace.")
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "Only the pods matching this label selector.")
	cmd.Flags().BoolVar(&o.Short, "short", false, "One line per pod.")
	return cmd
}

// Complete reads the pod name.
func (o *WhyPendingOptions) Complete(args []string) error {
	if len(args) == 1 {
		o.Pod = args[0]
	}
	return nil
}

// Validate checks the flags before any API call.
func (o *WhyPendingOptions) Validate() error {
	if o.Pod != "" && o.AllNamespaces {
		return fmt.Errorf("a POD name and -A cannot be used together: name a pod with -n NAMESPACE, or use -A alone")
	}
	if o.Pod != "" && o.Selector != "" {
		return fmt.Errorf("a POD name and -l cannot be used together")
	}
	sel, err := labels.Parse(o.Selector)
	if err != nil {
		return fmt.Errorf("invalid label selector %q: %w", o.Selector, err)
	}
	o.selector = sel
	if o.Short && !o.Output.Human() {
		return fmt.Errorf("--short and -o %s cannot be used together", o.Output.Format())
	}
	return o.Output.Validate()
}

// Run simulates and reports; it returns an *ExitError with code 1 when a pod will not be
// scheduled.
func (o *WhyPendingOptions) Run(ctx context.Context) error {
	c, err := o.d.clients()
	if err != nil {
		return err
	}
	o.Namespace = c.Namespace
	cl, err := simulate.Load(ctx, c)
	if err != nil {
		return err
	}
	targets, done, err := o.targets(cl)
	if err != nil || done {
		return err
	}
	reports, err := simulate.Run(cl, targets)
	if err != nil {
		return err
	}
	if err := o.print(reports); err != nil {
		return err
	}
	for _, r := range reports {
		if !r.WillSchedule {
			return &ExitError{Code: 1}
		}
	}
	return nil
}

// targets picks the pending pods to explain; done is true when there is nothing to explain and
// a message said so.
func (o *WhyPendingOptions) targets(cl *simulate.Cluster) ([]*corev1.Pod, bool, error) {
	if o.Pod != "" {
		return o.namedPod(cl)
	}
	var out []*corev1.Pod
	for i := range cl.Pods {
		p := &cl.Pods[i]
		if !o.AllNamespaces && p.Namespace != o.Namespace {
			continue
		}
		if scheduling.IsPending(p) && o.selector.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	if len(out) == 0 {
		where := "in namespace " + o.Namespace
		if o.AllNamespaces {
			where = "in any namespace"
		}
		if o.Output.Human() {
			_, _ = fmt.Fprintf(o.d.streams.ErrOut, "No pending pods %s.\n", where)
			return nil, true, nil
		}
		return nil, true, o.print([]simulate.Report{})
	}
	return out, false, nil
}

func (o *WhyPendingOptions) namedPod(cl *simulate.Cluster) ([]*corev1.Pod, bool, error) {
	var elsewhere []string
	for i := range cl.Pods {
		p := &cl.Pods[i]
		if p.Name != o.Pod {
			continue
		}
		if p.Namespace != o.Namespace {
			elsewhere = append(elsewhere, p.Namespace)
			continue
		}
		if scheduling.IsPending(p) {
			return []*corev1.Pod{p}, false, nil
		}
		msg := fmt.Sprintf("Pod %s/%s is not pending: %s.", p.Namespace, p.Name, notPendingReason(p))
		if !o.Output.Human() {
			// Scripts get an empty list on stdout; the reason goes to stderr.
			_, _ = fmt.Fprintln(o.d.streams.ErrOut, msg)
			return nil, true, o.print([]simulate.Report{})
		}
		_, _ = fmt.Fprintln(o.d.streams.Out, msg)
		return nil, true, nil
	}
	msg := fmt.Sprintf("pod %q not found in namespace %q", o.Pod, o.Namespace)
	if len(elsewhere) > 0 {
		msg += fmt.Sprintf("; a pod of that name is in namespace %s (use -n %s)", strings.Join(elsewhere, ", "), elsewhere[0])
	} else {
		msg += "; list the pending pods with: kubectl karpenter why-pending -A"
	}
	return nil, true, fmt.Errorf("%s", msg)
}

func notPendingReason(p *corev1.Pod) string {
	switch {
	case p.DeletionTimestamp != nil:
		return "it is being deleted"
	case p.Spec.NodeName != "":
		return "it is bound to node " + p.Spec.NodeName
	}
	return "it has finished (" + string(p.Status.Phase) + ")"
}

func (o *WhyPendingOptions) print(reports []simulate.Report) error {
	out := o.d.streams.Out
	switch {
	case !o.Output.Human():
		return printStructured(out, o.Output.Format(), struct {
			Pods []simulate.Report `json:"pods"`
		}{reports})
	case o.Short:
		return simulate.WriteShort(out, reports, style.For(out, o.d.environ))
	}
	return simulate.WriteText(out, reports, o.d.now(), style.For(out, o.d.environ))
}

// printStructured writes v as indented JSON or as YAML.
func printStructured(w io.Writer, format string, v interface{}) error {
	var data []byte
	var err error
	if format == "yaml" {
		data, err = yaml.Marshal(v)
	} else {
		data, err = json.MarshalIndent(v, "", "    ")
		data = append(data, '\n')
	}
	if err != nil {
		return fmt.Errorf("encoding the output as %s: %w", format, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	return nil
}
