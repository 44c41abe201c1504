/** A Salesforce-shaped REST failure: the body is a JSON array `[{message, errorCode, fields?}]`. */
export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }

  body(): { message: string; errorCode: string; fields?: string[] }[] {
    return [
      { message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) },
    ];
  }
}

export const malformed = (msg: string): SfError => new SfError(400, 'MALFORMED_QUERY', msg);

export const invalidField = (field: string, entity: string): SfError =>
  new SfError(
    400,
    'INVALID_FIELD',
    `No such column '${field}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
