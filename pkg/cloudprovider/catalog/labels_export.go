package catalog

import corev1 "k8s.io/api/core/v1"

// Labels returns the labels Karpenter's AWS provider puts on an instance type with these facts,
// so that a provider which learns the facts from EC2 at run time labels its types exactly as the
// embedded catalog does.
func (t Type) Labels() map[string]string { return t.labels() }

// ExtendedResource returns the device-plugin resource the type's accelerators advertise (such as
// nvidia.com/gpu) and how many; zero when it has none.
func (t Type) ExtendedResource() (corev1.ResourceName, int) { return t.extendedResource() }

// IsNeuron reports whether the type's accelerator is an AWS Inferentia or Trainium chip.
func (t Type) IsNeuron() bool { return t.isNeuron() }
