terraform {
  # 1.9: validations that compare two variables (ALB idle timeout vs. SSE heartbeat).
  # aws 6.28: aws_lambda_permission.invoked_via_function_url, which public Function URLs now need.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28.0, < 7.0.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6.0, < 4.0.0"
    }
  }
}
