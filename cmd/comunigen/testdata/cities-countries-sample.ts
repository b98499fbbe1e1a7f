// Entries copied verbatim from @marketto/belfiore-connector-embedded 1.2.1,
// asset/cities-countries.ts (column slices of the two blocks; dataSource left out).
const CITIES_COUNTRIES = {
    "data": [
        {
            "belfioreCode": "1dg59sb6vogh",
            "creationDate": "002b0lad0rfc0000",
            "expirationDate": "1nvv0o0r1q4e1f2k",
            "name": "Camairago|Monte Di MezzodÃ¬|Uggiate-trevano|Cecoslovacchia",
            "provinceOrCountry": "LOBZCO  "
        },
        {
            "belfioreCode": "7adc24c4jogkogm",
            "creationDate": "08ee1n941q4e00000000",
            "name": "Roma|ContÃ|Uggiate con Ronago|Isole Fær Øer|Francia",
            "provinceOrCountry": "RMTNCOFOFR"
        }
    ],
    "licenses": [],
    "sources": []
};
export default CITIES_COUNTRIES;
