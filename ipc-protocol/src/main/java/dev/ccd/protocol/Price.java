package dev.ccd.protocol;

/** A model's price in US dollars per million input and output tokens. */
public record Price(double inputPerMtok, double outputPerMtok) {
    public Price {
        FieldException.nonNegative(inputPerMtok, "input_per_mtok");
        FieldException.nonNegative(outputPerMtok, "output_per_mtok");
    }

    public double cost(long tokensIn, long tokensOut) {
        return (tokensIn * inputPerMtok + tokensOut * outputPerMtok) / 1_000_000.0;
    }
}
