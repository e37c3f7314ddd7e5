# sql: rules added by the issues that fill it
