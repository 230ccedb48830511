variable "required_input" {
  description = "No default: callers must pass it."
  type        = string
}

variable "optional_input" {
  description = "Has a default."
  type        = string
  default     = "x"
}

output "documented" {
  description = "Listed in the README."
  value       = "${var.required_input}-${var.optional_input}"
}

output "undocumented" {
  description = "Missing from the README."
  value       = var.optional_input
}
