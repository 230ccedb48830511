variable "good" {
  description = "Used and documented."
  type        = string
}

variable "no_description" {
  type = string
}

variable "no_type" {
  description = "Missing its type."
}

variable "unused" {
  description = "Declared, never read."
  type        = number
}

variable "only_validated" {
  description = "Read only by its own validation, which is not a use."
  type        = number

  validation {
    condition     = var.only_validated > 0
    error_message = "Must be positive."
  }
}

locals {
  name = "${var.good}-${var.no_description}-${var.no_type}"
}

resource "aws_s3_bucket" "this" {
  bucket = local.name
  tags = {
    Missing = var.missing
    Local   = local.missing
    Other   = aws_s3_bucket.missing.arn
    Region  = data.aws_region.missing.region
  }
}

output "bucket" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "no_description" {
  value = aws_s3_bucket.this.id
}
