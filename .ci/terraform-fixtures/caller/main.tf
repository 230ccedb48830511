module "child" {
  source = "../modules/child"

  optional_input = "y"
  not_an_input   = "z"
}

output "documented" {
  description = "Exists in the child."
  value       = module.child.documented
}

output "missing" {
  description = "Does not exist in the child."
  value       = module.child.not_an_output
}
