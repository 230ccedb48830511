terraform {
  # 1.11: write-only arguments (secret_string_wo) keep generated secrets out of state and plan;
  # 1.9: validations that compare two variables (ALB idle timeout vs. SSE heartbeat).
  # aws 6.20: lambda permission invoked_via_function_url, which public Function URLs now need.
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.20.0, < 7.0.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.7.1, < 4.0.0"
    }
  }
}
